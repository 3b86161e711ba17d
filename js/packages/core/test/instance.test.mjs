// One instance per page: a second copy of the package (a remote that bundled its own, or another
// version) is refused when it loads, with both versions and where each came from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { mfstate } from "./helpers.mjs";

const lib = fileURLToPath(new URL("../lib/", import.meta.url));

function copyOfDist(version) {
  const dir = mkdtempSync(join(tmpdir(), "mfstate-copy-"));
  cpSync(lib, dir, { recursive: true });
  if (version) {
    const file = join(dir, "version.js");
    writeFileSync(file, readFileSync(file, "utf8").replace(/"[0-9][^"]*"/, JSON.stringify(version)));
  }
  return dir;
}

test("the loaded copy registers itself: its version and where it came from", () => {
  const record = mfstate.registeredInstance();
  assert.equal(record.version, mfstate.VERSION);
  assert.equal(record.source, pathToFileURL(join(lib, "index.js")).href);
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.equal(mfstate.VERSION, pkg.version, "src/version.ts follows package.json");
});

test("a second copy of the same version is refused at load, naming both copies", async () => {
  const dir = copyOfDist();
  try {
    await assert.rejects(import(pathToFileURL(join(dir, "index.js")).href), (e) => {
      assert.equal(e.code, "duplicate_instance");
      assert.match(e.message, new RegExp(`@mfstate/core ${mfstate.VERSION} \\(loaded from ${pathToFileURL(join(dir, "index.js")).href.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`));
      assert.ok(e.message.includes(mfstate.registeredInstance().source));
      assert.match(e.message, /singleton: true/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("another version is refused at load, naming both versions", async () => {
  const dir = copyOfDist("9.9.9");
  try {
    await assert.rejects(import(pathToFileURL(join(dir, "index.js")).href), (e) => {
      assert.equal(e.code, "duplicate_instance");
      assert.match(e.message, /@mfstate\/core 9\.9\.9 .* found @mfstate\/core 0\.1\.0 already loaded/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The page's instance is untouched.
  const host = await mfstate.createHost({ listenToPage: false });
  host.mount("still-works");
  host.dispose();
});

test("bundlers see only literal asset URLs: a run-time string is marked webpackIgnore (no 'Critical dependency')", () => {
  // webpack resolves `new URL(x, import.meta.url)` at build time and warns in every consumer's build
  // when x is an expression; the one literal is the module's own .wasm, which it emits as an asset.
  // What the package ships, one module (build.mjs).
  const files = [readFileSync(new URL("../dist/index.js", import.meta.url), "utf8")];
  const calls = files.join("\n").match(/new URL\(([^)]*),\s*import\.meta\.url\s*\)/g) ?? [];
  assert.ok(calls.length >= 2, calls.join("\n"));
  for (const call of calls) {
    const first = call.slice("new URL(".length).trim();
    assert.ok(/^["']/.test(first) || first.startsWith("/* webpackIgnore: true */"), `an expression webpack would warn about: ${call}`);
  }
});
