// The worker tests (scenarios.mjs) in headless Firefox (needs firefox-esr and puppeteer-core).
import { firefoxDriver } from "./firefox.mjs";
import { workerTests } from "./scenarios.mjs";

workerTests(firefoxDriver);
