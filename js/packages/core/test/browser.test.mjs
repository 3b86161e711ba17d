// The package in headless Chromium: loaded from a static server as a page would, the shared query
// cache fed by fetch, and a second copy from another origin (a remote that bundled its own) refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, openPage } from "../../../test-support/chromium.mjs";
import { serveStatic } from "../../../test-support/static-server.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
let browser;
let site;
let remote;
let remoteDir;
let apiCalls = 0;
let name = "John Doe";

before(async () => {
  site = await serveStatic(root, {
    routes: {
      "/api/users/me": (req, res) => {
        apiCalls++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ userId: "S6nRz7bZ8Cv1dfTm", name }));
      },
      "/api/rename": (req, res) => {
        name = new URL(req.url, "http://x").searchParams.get("name");
        res.writeHead(204).end();
      },
    },
  });
  remoteDir = mkdtempSync(join(tmpdir(), "mfstate-remote-"));
  cpSync(join(root, "dist"), remoteDir, { recursive: true });
  // The package ships one module (build.mjs): its version is in it.
  const v = join(remoteDir, "index.js");
  writeFileSync(v, readFileSync(v, "utf8").replace(/(VERSION = )"[0-9][^"]*"/, '$1"0.2.0"'));
  remote = await serveStatic(remoteDir, { headers: { "access-control-allow-origin": "*" } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await remote?.close();
  if (remoteDir) rmSync(remoteDir, { recursive: true, force: true });
});

test("in Chromium: two apps share one cache fed by fetch, and see each other only through exports", async () => {
  const { page, errors } = await openPage(browser, `${site.url}/test/browser/index.html`);
  await page.waitForFunction(() => window.__smoke !== undefined, null, { timeout: 30_000 });
  const out = await page.evaluate(() => window.__smoke);
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.ok, true);
  assert.deepEqual(out.key, ["GET", "/api/users/me", {}]);
  assert.deepEqual(out.seen.home, ["John Doe", "Jane Roe"]);
  assert.deepEqual(out.seen.profile, ["John Doe", "Jane Roe"]);
  assert.equal(apiCalls, 2, "one request per version of the data, shared by both apps");
  assert.equal(out.readFrozen, true);
  assert.equal(out.mutationRefused, true);
  assert.equal(out.sendRefused, true);
  assert.equal(out.nameAfter, "Jane Roe");
  assert.ok(site.requests.includes("/dist/mfstate.wasm"));
  assert.deepEqual(errors, []);
  await page.close();
});

test("in Chromium: a remote carrying another @mfstate/core gets the version error, not a split store", async () => {
  const { page } = await openPage(browser, `${site.url}/test/browser/index.html`);
  await page.waitForFunction(() => window.__smoke !== undefined, null, { timeout: 30_000 });
  const message = await page.evaluate(async (url) => {
    try {
      await import(url);
      return "loaded";
    } catch (e) {
      return `${e.code}: ${e.message}`;
    }
  }, `${remote.url}/index.js`);
  assert.match(message, /^duplicate_instance: @mfstate\/core 0\.2\.0 \(loaded from http:\/\/127\.0\.0\.1:\d+\/index\.js\) found @mfstate\/core 0\.1\.0 already loaded on this page \(from http:\/\/127\.0\.0\.1:\d+\/dist\/index\.js\)/);
  await page.close();
});
