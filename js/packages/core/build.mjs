// Builds dist/: TypeScript 7's tsc emits the modules and their .d.ts from src/, and the WebAssembly
// module built by CMake (scripts/js.sh builds it in the wasm tree) is copied beside them.
//
//   node build.mjs [--wasm path/to/mfstate.wasm]
// Environment: MFSTATE_WASM (the module's path; default: ../../../build/wasm/js/packages/core/wasm/mfstate.wasm).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
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
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const tsc = join(here, "../../node_modules/.bin/tsc");
execFileSync(tsc, ["-p", join(here, "tsconfig.json")], { stdio: "inherit" });
copyFileSync(wasm, join(dist, "mfstate.wasm"));
