// The browsers the tests drive over WebDriver, and how to start each: Firefox ESR through
// geckodriver (headless, with the options in webdriver.json that the wasm test runner uses
// too), and WebKitGTK's MiniBrowser through WebKitWebDriver under a virtual X display, with the
// Storage API switched on (Safari ships it; WebKitGTK 2.50 leaves it off). Paths can be
// overridden with FIREFOX, GECKODRIVER, MINIBROWSER, WEBKITWEBDRIVER.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { WebDriver } from "./webdriver.mjs";
import { startXvfb } from "./xvfb.mjs";

const env = process.env;
const webdriverJson = JSON.parse(readFileSync(new URL("../../webdriver.json", import.meta.url), "utf8"));

export const BROWSERS = {
  firefox: {
    label: "Firefox",
    driver: env.GECKODRIVER ?? `${homedir()}/.cargo/bin/geckodriver`,
    capabilities: () => ({
      browserName: "firefox",
      "moz:firefoxOptions": {
        ...webdriverJson["moz:firefoxOptions"],
        ...(env.FIREFOX ? { binary: env.FIREFOX } : {}),
        args: ["-headless"],
      },
    }),
    display: false,
  },
  webkit: {
    label: "WebKit",
    driver: env.WEBKITWEBDRIVER ?? "/usr/bin/WebKitWebDriver",
    capabilities: () => ({
      "webkitgtk:browserOptions": {
        binary: env.MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
        args: ["--automation", "--features=+StorageAPI,+StorageAPIEstimate"],
      },
    }),
    display: true,
  },
};

/**
 * Starts `name`'s driver and browser; resolves to `{ wd, label, stop() }`. A browser that needs
 * an X display gets its own Xvfb, stopped with it.
 */
export async function openBrowser(name) {
  const spec = BROWSERS[name];
  if (!spec) throw new Error(`unknown browser ${name}; known: ${Object.keys(BROWSERS).join(", ")}`);
  const xvfb = spec.display ? await startXvfb() : null;
  try {
    const wd = await WebDriver.start({
      driver: spec.driver,
      env: xvfb ? { ...env, DISPLAY: xvfb.display } : env,
      capabilities: spec.capabilities(),
    });
    const stop = async () => {
      await wd.quit();
      await xvfb?.stop();
    };
    return { wd, label: spec.label, stop };
  } catch (e) {
    await xvfb?.stop();
    throw e;
  }
}
