// Loading a remote at run time, the Module Federation 2.0 way: register where it is deployed
// (its mf-manifest.json), then load its exposed ./mount module. Each remote is loaded once, the
// first time the page needs it; its mfstate.json manifest comes from the same deployment.
import { loadRemote, registerRemotes } from '@module-federation/enhanced/runtime';

const loaded = new Map();

/**
 * Resolves with { mount, manifest } for remote `name` as `config.remotes[name]` locates it
 * ({ entry, manifest } URLs). Rejects with an Error naming the remote and what failed.
 */
export function loadRemoteApp(name, config) {
  if (!loaded.has(name)) {
    const promise = load(name, config);
    // A failure is not cached: the user may retry once the remote's server is back.
    promise.catch(() => loaded.delete(name));
    loaded.set(name, promise);
  }
  return loaded.get(name);
}

async function load(name, config) {
  const where = config.remotes?.[name];
  if (!where) throw new Error(`remote "${name}" is not in /mf-demo.config.json`);
  registerRemotes([{ name, entry: where.entry }]);
  const [module, manifest] = await Promise.all([
    loadRemote(`${name}/mount`),
    fetch(where.manifest).then((res) => {
      if (!res.ok) throw new Error(`remote "${name}": ${where.manifest} answered ${res.status}`);
      return res.json();
    }),
  ]);
  if (typeof module?.mount !== 'function') throw new Error(`remote "${name}" exposes no mount function`);
  return { mount: module.mount, manifest };
}
