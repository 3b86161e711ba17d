// Builds dist/, what the package ships: its code as one module (dist/index.js), the .d.ts of
// src/, and the WebAssembly module built by CMake (scripts/js.sh builds it in the wasm tree).
// TypeScript 7's tsc emits src/ as modules to lib/ (the tests' build: they reach internals such as
// wasm.js's heap figures), and esbuild bundles lib/index.js into dist/index.js.
//
// One module, because a page's instance of the package must not be reachable piece by piece. Its
// modules as separate files were each importable by URL (a remote reads where the package was
// loaded from in globalThis's registration, and `import(new URL("./wasm.js", source))` is the very
// module the shell's host runs on, not a copy: the raw exports of the page's one WebAssembly
// instance, every capability check of the face bypassed), and a bundler that does not concatenate
// them (webpack in development) keeps each as a module any script reaches through the chunk
// loading global. Bundled, the only module of the page's instance is the public one
// (test/attack-package-modules.test.mjs).
//
//   node build.mjs [--wasm path/to/mfstate.wasm]
// Environment: MFSTATE_WASM (the module's path; default: ../../../build/wasm/js/packages/core/wasm/mfstate.wasm).
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import * as esbuild from "esbuild";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf("--wasm");
const wasm = resolve(
  at >= 0 ? args[at + 1] : process.env.MFSTATE_WASM ?? join(here, "../../../build/wasm/js/packages/core/wasm/mfstate.wasm"),
);
if (!existsSync(wasm)) {
  console.error(`@mfstate/core: ${wasm} not found: build it first (scripts/js.sh, or cmake --build build/wasm --target mfstate-web)`);
  process.exit(1);
}
const dist = join(here, "dist");
const lib = join(here, "lib");
for (const dir of [dist, lib]) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
const tsc = join(here, "../../node_modules/.bin/tsc");
execFileSync(tsc, ["-p", join(here, "tsconfig.json")], { stdio: "inherit" });
copyFileSync(wasm, join(lib, "mfstate.wasm"));
copyFileSync(wasm, join(dist, "mfstate.wasm"));
// The declarations as tsc wrote them (index.d.ts refers to the others).
cpSync(lib, dist, { recursive: true, filter: (from) => statSync(from).isDirectory() || from.endsWith(".d.ts") });
// Not minified (the page's bundler minifies); comments that direct bundlers are kept by esbuild.
await esbuild.build({
  entryPoints: [join(lib, "index.js")],
  outfile: join(dist, "index.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  logLevel: "warning",
});
