// The README's service worker recipe ("In a worker or a service worker") run
// as written: its `// sw.js` and `// the page` blocks are copied out of
// README.md into target/workers-recipe/ (the package's path /wasmq/ becomes
// /pkg/, and the page block gets the imports and the registration it assumes),
// beside a file at /api/send for the handler's POST to reach.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { root } from "../e2e/harness.mjs";
import { useWorkerPages, waitFor } from "./harness.mjs";

/** The README's code block that starts with `first` (a comment line). */
function block(readme, first) {
  const m = new RegExp("```js\\n(" + first + "\\n[\\s\\S]*?)```").exec(readme);
  if (!m) throw new Error(`README.md has no code block starting with ${first}`);
  return m[1];
}

function writeRecipe(dir) {
  const readme = readFileSync(`${root}README.md`, "utf8");
  mkdirSync(`${dir}/api`, { recursive: true });
  writeFileSync(`${dir}/sw.js`, block(readme, "// sw\\.js").replaceAll("/wasmq/", "/pkg/"));
  writeFileSync(`${dir}/page.js`, [
    `import init, { Queue } from "/pkg/wasmq.js";`,
    `await navigator.serviceWorker.register("/sw.js", { type: "module" });`,
    block(readme, "// the page"),
    `globalThis.recipe = q;`,
  ].join("\n"));
  writeFileSync(`${dir}/index.html`, `<!doctype html><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>`);
  writeFileSync(`${dir}/api/send`, "ok\n");
}

/** Registers the recipe test for `driver`'s browser. */
export function recipeTests(driver) {
  const dir = `${root}target/workers-recipe-${driver.name}`;
  writeRecipe(dir);
  const env = useWorkerPages(driver, dir);

  test("the README's service worker recipe, as written: the page enqueues, the service worker's handler sends it once", { timeout: 60_000 }, async () => {
    const context = await env.driver.newContext(env.browser);
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    await page.goto(env.base);
    await waitFor("the recipe's page to enqueue", () => page.evaluate(() => Boolean(globalThis.recipe)));
    const sent = () => env.requests.filter((p) => p === "/api/send").length;
    await waitFor("the job to be sent", () => sent() >= 1);
    const stats = await waitFor("the page to hear it completed", () =>
      page.evaluate(() => globalThis.recipe.stats()).then((s) => s.completed === 1 && s));
    assert.deepEqual(stats, { pending: 0, delayed: 0, inFlight: 0, completed: 1, retried: 0, dead: 0 });
    assert.equal(sent(), 1, "sent once");
    assert.equal(await page.evaluate(() => globalThis.recipe.isLeader), false, "the service worker leads, the page forwards");
    assert.ok(await page.evaluate(() => caches.match("/pkg/wasmq_bg.wasm").then(Boolean)), "the wasm is in Cache Storage");
    await page.evaluate(() => globalThis.recipe.close());
    await context.close();
  });
}
