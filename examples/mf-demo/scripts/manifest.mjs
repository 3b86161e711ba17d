// An app's mfstate.json as the browser needs it: every schema given as a file path
// ("schemas/user.json", relative to the manifest) replaced by the schema itself, so the shell
// can mount the app from one fetched document.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Reads the manifest at `file` and resolves with it, every schema inline. */
export async function inlineManifest(file) {
  const dir = path.dirname(file);
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  const inline = async (table) => {
    for (const [name, schema] of Object.entries(table ?? {})) {
      if (typeof schema === 'string') table[name] = JSON.parse(await readFile(path.resolve(dir, schema), 'utf8'));
    }
  };
  await inline(manifest.exports);
  await inline(manifest.commands);
  await inline(manifest.topics?.publishes);
  await inline(manifest.topics?.subscribes);
  delete manifest.$schema;
  return manifest;
}
