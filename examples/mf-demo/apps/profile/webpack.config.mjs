// Profile's build: a remote exposing ./mount. Before webpack runs, Profile checks its manifest
// against the contract registry (`npx mfstate contracts check`): if the new schema breaks an app
// that reads Profile's exports (Home reads /name), the build stops there.
//
// Variants (node scripts/build.mjs profile:VARIANT):
//   profile-v2         the branch that splits name into firstName/lastName: its check fails.
//   profile-othercore  Profile as a team would ship it with its own copy of another @mfstate/core
//                      release (not taken from the page's share scope): the one-instance story.
//                      There is no second release to install, so this build stands one in: a
//                      copy of the package's module saying 0.2.0.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { checkContract } from '../../scripts/contracts.mjs';
import { outDir } from '../../scripts/paths.mjs';
import { appConfig, sharedModules } from '../../scripts/webpack-app.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

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

/** The share scope without @mfstate/*, and a copy of @mfstate/core whose version says 0.2.0. */
function otherCore() {
  const { '@mfstate/core': core, '@mfstate/react': react, ...shared } = sharedModules();
  // The package ships one module (its build bundles it): the copy is that module's, version changed.
  const copy = path.join(outDir, 'othercore', 'core');
  rmSync(copy, { recursive: true, force: true });
  cpSync(path.dirname(require.resolve('@mfstate/core')), copy, { recursive: true });
  const entry = path.join(copy, 'index.js');
  const source = readFileSync(entry, 'utf8');
  const other = source.replace(/(VERSION = )"[^"]*"/, '$1"0.2.0"');
  if (other === source) throw new Error(`profile-othercore: no VERSION in ${entry}`);
  writeFileSync(entry, other);
  return { shared, alias: { '@mfstate/core$': entry } };
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
