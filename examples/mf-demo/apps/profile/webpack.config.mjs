// Profile's build: a remote. It exposes one module, ./mount, which the shell calls with the
// element to render into and the app's mfstate handle.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { appConfig } from '../../scripts/webpack-app.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));

export const publish = [{ from: 'mfstate.json', to: 'mfstate.json' }];

export default () => appConfig({ name: 'profile', dir, exposes: { './mount': './src/mount.jsx' } });
