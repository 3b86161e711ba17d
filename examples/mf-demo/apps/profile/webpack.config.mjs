// Profile's build: a remote exposing ./mount. Before webpack runs, Profile checks its manifest
// against the contract registry (`npx mfstate contracts check`): if the new schema breaks an app
// that reads Profile's exports (Home reads /name), the build stops there.
//
// Variants (node scripts/build.mjs profile:VARIANT):
//   profile-v2  the branch that splits name into firstName/lastName: its check fails.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { checkContract } from '../../scripts/contracts.mjs';
import { appConfig } from '../../scripts/webpack-app.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));

const manifests = {
  profile: 'mfstate.json',
  'profile-v2': 'next/v2/mfstate.json',
};

export const manifest = ({ variant = 'profile' }) => manifests[variant];

export const prebuild = ({ variant = 'profile' }) => {
  if (!manifests[variant]) throw new Error(`profile has no variant ${variant}`);
  checkContract(path.join(dir, manifests[variant]));
};

export default ({ variant }) =>
  appConfig({
    name: 'profile',
    dir,
    variant,
    exposes: { './mount': './src/mount.jsx' },
    define: { PROFILE_V2: variant === 'profile-v2' },
  });
