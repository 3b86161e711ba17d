// Hash routes: #/ (overview: Home and Profile side by side), #/home, #/profile. A route lists
// the remotes it shows; leaving a route unmounts the remotes the next one does not show.
import { useSyncExternalStore } from 'react';

export const routes = {
  '/': { title: 'Overview', remotes: ['home', 'profile'] },
  '/home': { title: 'Home', remotes: ['home'] },
  '/profile': { title: 'Profile', remotes: ['profile'] },
};

function currentPath() {
  const path = window.location.hash.replace(/^#/, '') || '/';
  return routes[path] ? path : '/';
}

function subscribe(onChange) {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current route's path, re-rendering on navigation. */
export function usePath() {
  return useSyncExternalStore(subscribe, currentPath);
}
