// The worker tests' Chromium driver: Debian's chromium through playwright-core,
// with the e2e tests' flags; a service worker is stopped through the DevTools
// protocol (ServiceWorker.stopAllWorkers), as the browser stops an idle one.
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../e2e/harness.mjs";
import { serviceWorkerGone, waitFor } from "./harness.mjs";

export const chromiumDriver = {
  name: "chromium",
  backgroundSync: true,
  launch: () => chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS }),
  newContext: (browser) => browser.newContext(),
  close: (browser) => browser.close(),
  async stopServiceWorker(context, page) {
    const cdp = await context.newCDPSession(page);
    const versions = new Map();
    cdp.on("ServiceWorker.workerVersionUpdated", ({ versions: vs }) => {
      for (const v of vs) versions.set(v.versionId, v.runningStatus);
    });
    await cdp.send("ServiceWorker.enable");
    await waitFor("a running service worker", () => [...versions.values()].includes("running"));
    await cdp.send("ServiceWorker.stopAllWorkers");
    await waitFor("every service worker stopped", () => [...versions.values()].every((s) => s === "stopped"));
    await cdp.send("ServiceWorker.disable");
    await cdp.detach();
    await serviceWorkerGone(page);
  },
};
