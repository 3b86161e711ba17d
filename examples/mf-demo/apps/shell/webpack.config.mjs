// The shell's build: the host of the page. It declares no remotes at build time: where Home and
// Profile are deployed is read at run time from /mf-demo.config.json.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { appConfig } from '../../scripts/webpack-app.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));

export const publish = [{ from: 'public', to: '.' }];

export default () => appConfig({ name: 'shell', dir });
