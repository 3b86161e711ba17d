// Profile's build: a remote exposing ./mount. Before webpack runs, Profile checks its manifest
// against the contract registry (`npx mfstate contracts check`): if the new schema breaks an app
// that reads Profile's exports (Home reads /name), the build stops there.
//
// Variants (node scripts/build.mjs profile:VARIANT):
//   profile-v2         the branch that splits name into firstName/lastName: its check fails.
//   profile-othercore  Profile as a team would ship it with its own copy of another @mfstate/core
//                      release (not taken from the page's share scope): the one-instance story.
//                      There is no second release to install, so this build stands one in: the
//                      same sources with the package's version module saying 0.2.0.
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import webpack from 'webpack';
import { checkContract } from '../../scripts/contracts.mjs';
import { outDir } from '../../scripts/paths.mjs';
import { appConfig, sharedModules } from '../../scripts/webpack-app.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));

const manifests = {
  profile: 'mfstate.json',
  'profile-v2': 'next/v2/mfstate.json',
  'profile-othercore': 'mfstate.json',
};

export const manifest = ({ variant = 'profile' }) => manifests[variant];

export const prebuild = ({ variant = 'profile' }) => {
  if (!manifests[variant]) throw new Error(`profile has no variant ${variant}`);
  checkContract(path.join(dir, manifests[variant]));
};

/** The share scope without @mfstate/*, and @mfstate/core's version module saying 0.2.0. */
function otherCore() {
  const { '@mfstate/core': core, '@mfstate/react': react, ...shared } = sharedModules();
  const versionFile = path.join(outDir, 'othercore', 'version.js');
  mkdirSync(path.dirname(versionFile), { recursive: true });
  writeFileSync(versionFile, 'export const VERSION = "0.2.0";\n');
  const coreDist = path.join('packages', 'core', 'dist');
  const replaceVersion = new webpack.NormalModuleReplacementPlugin(/^\.\/version\.js$/, (resource) => {
    if (resource.context.endsWith(coreDist)) resource.request = versionFile;
  });
  return { shared, plugins: [replaceVersion] };
}

export default ({ variant }) =>
  appConfig({
    name: 'profile',
    dir,
    variant,
    exposes: { './mount': './src/mount.jsx' },
    define: { PROFILE_V2: variant === 'profile-v2' },
    ...(variant === 'profile-othercore' ? otherCore() : {}),
  });
