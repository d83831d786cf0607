// The worker tests (scenarios.mjs) and the README recipe (recipe.mjs) in headless Firefox (needs firefox-esr and puppeteer-core).
import { firefoxDriver } from "./firefox.mjs";
import { recipeTests } from "./recipe.mjs";
import { workerTests } from "./scenarios.mjs";

workerTests(firefoxDriver);
recipeTests(firefoxDriver);
