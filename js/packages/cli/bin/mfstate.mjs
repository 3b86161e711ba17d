#!/usr/bin/env node
// `npx mfstate …`: the mfstate command-line tool (contracts check|diff|publish|can-deploy|deploy,
// registry list, key) as WebAssembly under node; the same C++ as the native tool, the same
// output and exit statuses (0 fine, 1 a contract breaks, 2 the tool could not do its job).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { requestSync } from '../lib/http-bridge.mjs';

const require = createRequire(import.meta.url);
const wasm = new URL('../dist/mfstate.wasm', import.meta.url);
let createTool;
let wasmBinary;
try {
  createTool = require('../dist/mfstate.cjs');
  wasmBinary = readFileSync(wasm);
} catch (e) {
  process.stderr.write(`mfstate: error: the WebAssembly tool is missing (${e.message}); ` +
    'build it with `npm run build -w @mfstate/cli`\n');
  process.exit(2);
}
createTool({
  thisProgram: 'mfstate',
  wasmBinary,
  mfstateHttp: requestSync,
  // The process's environment (e.g. MFSTATE_REGISTRY_TOKEN), which emscripten does not pass on.
  preRun: [(module) => Object.assign(module.ENV, process.env)],
  // How the run ends: exit(status) arrives as an ExitStatus. Anything else is the WebAssembly
  // failing (a trap, V8's stack exhausted, an abort), which emscripten would report with its
  // stack trace and exit status 1, read by CI as "a contract breaks": one line and 2 instead.
  quit: (status, reason) => {
    if (reason?.name !== 'ExitStatus') {
      process.stderr.write(`mfstate: error: the WebAssembly tool failed (${String(reason).split('\n')[0]})\n`);
      status = 2;
    }
    process.exit(status);
  },
});
