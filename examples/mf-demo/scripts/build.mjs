// Builds the demo's apps, each with its own webpack configuration (apps/<name>/webpack.config.mjs),
// one after the other. `node scripts/build.mjs [name...]` (default: shell home profile).
// A configuration may export a `prebuild` step (Profile checks its contracts there): when it
// fails, that app is not built and the run fails.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import webpack from 'webpack';
import { appSourceDir, appBuildDir } from './paths.mjs';

function run(config) {
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => {
      if (error) return reject(error);
      const info = stats.toJson({ all: false, errors: true, warnings: true });
      for (const w of info.warnings ?? []) console.warn(`${config.name}: warning: ${w.message}`);
      if (stats.hasErrors())
        return reject(new Error(`${config.name}: ${info.errors.map((e) => e.message).join('\n')}`));
      resolve(stats);
    });
  });
}

/** Builds app `name` (optionally one of its `variant`s); resolves with webpack's stats. */
export async function buildApp(name, { variant } = {}) {
  const dir = appSourceDir(name);
  const mod = await import(pathToFileURL(path.join(dir, 'webpack.config.mjs')));
  if (mod.prebuild) await mod.prebuild({ variant });
  const config = await mod.default({ variant });
  const stats = await run(config);
  // What the app ships beside its bundle: its page (the shell) and its mfstate.json manifest.
  for (const extra of mod.publish ?? []) {
    await cp(path.join(dir, extra.from), path.join(appBuildDir(variant ?? name), extra.to), { recursive: true });
  }
  return stats;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const names = process.argv.slice(2);
  try {
    for (const spec of names.length ? names : ['shell', 'home', 'profile']) {
      const [name, variant] = spec.split(':');
      const start = Date.now();
      await buildApp(name, { variant });
      console.log(`built ${variant ?? name} in ${Date.now() - start} ms -> ${appBuildDir(variant ?? name)}`);
    }
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
