// Where the demo's pieces are: its sources, the repository's build folder, each app's build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** examples/mf-demo */
export const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository's root. */
export const repoDir = path.resolve(demoDir, '../..');
const buildRoot = path.resolve(repoDir, process.env.BUILD ?? 'build');
/** Everything the demo builds and writes: app builds, the database, screenshots, figures. */
export const outDir = path.resolve(process.env.MFDEMO_OUT ?? path.join(buildRoot, 'mf-demo'));
/** The API server program (built by CMake in the Release tree). */
export const apiBinary = path.resolve(
  process.env.MFDEMO_API ?? path.join(buildRoot, 'release/examples/mf-demo/server/mfdemo-api'),
);

/** The source folder of app `name` (shell, home, profile). */
export const appSourceDir = (name) => path.join(demoDir, 'apps', name);
/** The build folder of app `name`, or of one of its variants ("profile-v2", ...). */
export const appBuildDir = (name) => path.join(outDir, 'apps', name);
