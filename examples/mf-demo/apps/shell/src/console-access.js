// `?console` in the page's URL hands the browser console what the shell holds: the host and each
// mounted app's handle, as window.mfdemo = {host, apps: {home, profile, shell}}. It is how a
// person (or the isolation story) types code that runs *as* an app, and sees what mfstate lets
// that code do. Off by default: a shell that published its handles on window would give every
// script on the page every app's powers.
const enabled = new URLSearchParams(window.location.search).has('console');
const access = enabled ? { host: null, apps: {} } : null;
if (enabled) window.mfdemo = access;

/** Records the host (when the console may have it). */
export function shareHost(host) {
  if (access) access.host = host;
}

/** Records app `name`'s handle while it is mounted (when the console may have it). */
export function shareApp(name, app) {
  if (access) access.apps[name] = app;
}

/** Forgets app `name`'s handle (it was unmounted). */
export function forgetApp(name) {
  if (access) delete access.apps[name];
}
