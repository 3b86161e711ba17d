// The page's instance of the package is one module: no file the package ships beside its entry is
// a piece of it. Its modules were separate files (dist/wasm.js, dist/app.js, ...), each importable
// by URL whatever package.json's `exports` says (that governs bare specifiers only): a remote read
// where the package was loaded from in globalThis's registration, and
// `await import(new URL("./wasm.js", source))` was the very module the shell's host runs on (one
// URL, one module instance), not a copy: `api`, the raw exports of the page's one WebAssembly
// instance, with which any app handle is any app (`api.mfs_app_state(h)` read another app's store,
// `mfs_app_dispatch` wrote to it), every check of the face bypassed. Through Module Federation the
// same held wherever the shell's bundler kept the package's modules apart (webpack without module
// concatenation, as in development: each one a module any script reaches through the chunk
// loading global). build.mjs now ships one bundled module.
//
// This file imports only what the package ships (dist/), as a page does: not helpers.mjs, whose
// lib/ build is the tests' (a second copy would be refused as one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as mfstate from "../dist/index.js";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** Every file under `dir`, relative to it. */
function files(dir, under = "") {
  return readdirSync(join(dir, under)).flatMap((f) =>
    statSync(join(dir, under, f)).isDirectory() ? files(dir, join(under, f)) : [join(under, f)],
  );
}

test("a remote finds no piece of the page's instance beside the package's entry", async () => {
  const host = await mfstate.createHost({ clock: "manual", listenToPage: false });
  const victim = host.mount("victim");
  victim.createStore({ token: "s3cret" }, (s) => s);
  // The hostile remote knows what any script of the page knows: where the package came from.
  const { source } = globalThis[Symbol.for("@mfstate/core")];
  assert.equal(source, new URL("../dist/index.js", import.meta.url).href);
  for (const piece of ["./wasm.js", "./app.js", "./host.js", "./query/client.js", "./query/core.js", "./page_room.js"]) {
    await assert.rejects(import(new URL(piece, source).href), { code: "ERR_MODULE_NOT_FOUND" }, piece);
  }
  // Whatever it is named: the only code the package ships is its entry (and the declarations).
  const code = files(dist).filter((f) => /\.(m|c)?js$/.test(f));
  assert.deepEqual(code, ["index.js"]);
  assert.equal(victim.getState().token, "s3cret");
  host.dispose();
});

test("the entry hands out nothing of the module's plumbing", async () => {
  // The tests' build of the module's glue: its exports are what no remote may hold.
  const plumbing = Object.keys(await import("../lib/wasm.js"));
  assert.ok(plumbing.includes("api"));
  const reachable = plumbing.filter((name) => Object.hasOwn(mfstate, name));
  assert.deepEqual(reachable, []);
});
