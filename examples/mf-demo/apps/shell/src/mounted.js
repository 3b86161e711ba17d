// The manifests of the apps mounted now, by name: what the devtools pane shows as each app's
// version, exports (with their schemas) and accepted commands. The shell holds them anyway: it
// mounted each app with its manifest.
export const mounted = new Map();
