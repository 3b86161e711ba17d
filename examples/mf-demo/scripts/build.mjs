// Builds the demo's apps, each with its own webpack configuration (apps/<name>/webpack.config.mjs),
// one after the other. `node scripts/build.mjs [name[:variant]...]` (default: shell, home,
// profile, and the Profile variant the one-instance story loads).
// A configuration may export a `prebuild` step (Profile checks its contracts there: when it
// fails, that app is not built and the run fails) and a `postbuild` step (Home publishes its
// manifest to the contract registry).
import { cp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import webpack from 'webpack';
import { registryDir } from './contracts.mjs';
import { inlineManifest } from './manifest.mjs';
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
  // What the app ships beside its bundle: its page (the shell's public/), and for a remote its
  // manifest with every schema inline (the shell mounts the app with it).
  const out = appBuildDir(variant ?? name);
  for (const extra of mod.publish ?? []) await cp(path.join(dir, extra.from), path.join(out, extra.to), { recursive: true });
  if (mod.manifest) {
    const manifest = await inlineManifest(path.join(dir, mod.manifest({ variant })));
    await writeFile(path.join(out, 'mfstate.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  if (mod.postbuild) await mod.postbuild({ variant });
  return stats;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const names = process.argv.slice(2);
  try {
    // A full build starts the demo's contract registry afresh (it is build output here; a team
    // would keep theirs on a shared server: `mfstate registry serve`).
    if (!names.length) await rm(registryDir, { recursive: true, force: true });
    for (const spec of names.length ? names : ['shell', 'home', 'profile', 'profile:profile-othercore']) {
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
