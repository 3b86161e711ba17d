// Focus and connectivity are the shell's to report (there are no global managers in mfstate):
// the page's visibility and online/offline events become host.setFocused / host.setOnline, so
// the shared cache refetches stale queries when the user comes back, and pauses while offline.

/** Wires the page's signals to `host`; returns a function that unwires them. */
export function connectPageSignals(host) {
  const focus = () => host.setFocused(document.visibilityState === 'visible');
  const online = () => host.setOnline(true);
  const offline = () => host.setOnline(false);
  document.addEventListener('visibilitychange', focus);
  window.addEventListener('online', online);
  window.addEventListener('offline', offline);
  focus();
  host.setOnline(navigator.onLine);
  return () => {
    document.removeEventListener('visibilitychange', focus);
    window.removeEventListener('online', online);
    window.removeEventListener('offline', offline);
  };
}
