// The worker tests (scenarios.mjs) in headless Chromium.
import { chromiumDriver } from "./chromium.mjs";
import { workerTests } from "./scenarios.mjs";

workerTests(chromiumDriver);
