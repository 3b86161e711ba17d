// The contracts steps of the apps' builds, with the npm CLI (`npx mfstate`, package
// @mfstate/cli: the same C++ as the native tool, compiled for node). Home publishes its
// manifest to the registry once built; Profile checks its manifest against what is published
// before it builds, so a change that breaks Home fails Profile's build.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { demoDir, outDir } from './paths.mjs';

/** The contract registry the demo's pipelines share (a folder registry; MFDEMO_REGISTRY overrides). */
export const registryDir = path.resolve(process.env.MFDEMO_REGISTRY ?? path.join(outDir, 'registry'));

/** Runs `npx mfstate ...args` in the demo's folder; resolves with { status, output }. */
export function mfstate(args) {
  const run = spawnSync('npx', ['--no-install', 'mfstate', ...args], {
    cwd: demoDir,
    encoding: 'utf8',
    timeout: 120000,
  });
  if (run.error) throw new Error(`npx mfstate ${args.join(' ')}: ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** `mfstate contracts publish MANIFEST --registry R`; throws with the tool's output when it fails. */
export function publishContract(manifest) {
  const { status, output } = mfstate(['contracts', 'publish', manifest, '--registry', registryDir]);
  if (status !== 0) throw new Error(`mfstate contracts publish ${manifest} failed (exit ${status}):\n${output}`);
  return output;
}

/** `mfstate contracts check MANIFEST --registry R`; throws with the tool's output unless compatible. */
export function checkContract(manifest) {
  const { status, output } = mfstate(['contracts', 'check', manifest, '--registry', registryDir]);
  process.stdout.write(output);
  if (status !== 0) {
    const why = status === 1 ? 'breaks a consumer' : 'could not be checked';
    throw new Error(`contracts check: ${path.relative(demoDir, manifest)} ${why} (exit ${status}); not building`);
  }
  return output;
}
