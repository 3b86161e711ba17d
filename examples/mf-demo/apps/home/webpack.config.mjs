// Home's build: a remote. It exposes one module, ./mount, which the shell calls with the
// element to render into and the app's mfstate handle. Once built, Home publishes its manifest
// (what it reads from Profile) to the contract registry, where Profile's build checks against it.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { publishContract } from '../../scripts/contracts.mjs';
import { appConfig } from '../../scripts/webpack-app.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));

// Shipped beside the bundle, schemas inline: the shell mounts Home with it.
export const manifest = () => 'mfstate.json';

export const postbuild = () => publishContract(path.join(dir, 'mfstate.json'));

export default () => appConfig({ name: 'home', dir, exposes: { './mount': './src/mount.jsx' } });
