// The worker tests (scenarios.mjs) and the README recipe (recipe.mjs) in headless Chromium.
import { chromiumDriver } from "./chromium.mjs";
import { recipeTests } from "./recipe.mjs";
import { workerTests } from "./scenarios.mjs";

workerTests(chromiumDriver);
recipeTests(chromiumDriver);
