// `make demo`: serves the built demo until Ctrl-C. The database is kept in the build folder
// (build/mf-demo/demo.sqlite), so a rename survives a restart; delete the file to start over.
import path from 'node:path';
import { outDir } from './paths.mjs';
import { startStack } from './stack.mjs';

const stack = await startStack({ database: path.join(outDir, 'demo.sqlite') });
console.log(`
  mfstate demo — open ${stack.url}
    shell    ${stack.origins.shell}   (proxies /api to the API server)
    home     ${stack.origins.home}
    profile  ${stack.origins.profile}
    API      ${stack.origins.api}     (C++, SQLite: ${path.join(outDir, 'demo.sqlite')})
  The devtools pane: the "Devtools" button, top right (its "Server" tab makes the next save fail).
  Ctrl-C stops every process.
`);

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// A server that dies takes the demo down with it, rather than leaving a half-working page.
for (const handle of stack.handles) {
  handle.whenExited.then(() => {
    if (stopping) return;
    console.error(`${handle.name} exited unexpectedly:\n${handle.output()}`);
    stop(1);
  });
}
