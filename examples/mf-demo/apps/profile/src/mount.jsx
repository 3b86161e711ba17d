// Profile's only entry point for the shell (exposed as "./mount"). With the handle the shell
// passes, Profile creates its store, feeds it the user from the shared query cache, exports the
// confirmed record (the schema comes from its manifest), and renders.
import { keyFromUrl } from '@mfstate/core';
import { AppProvider } from '@mfstate/react';
import { createRoot } from 'react-dom/client';
import { Profile } from './Profile.jsx';
import { initialState, reducer, selectUser } from './store.js';
import { exportedUser } from './variant.js';

const me = keyFromUrl('GET', '/api/users/me');

export function mount(element, { app }) {
  app.createStore(initialState, reducer);
  // The store follows the server's record; the observation ends when the app unmounts.
  app.observe({ queryKey: me }, (result) => {
    if (result.status === 'success') app.dispatch({ type: 'user/loaded', payload: result.data });
    else if (result.status === 'error') app.dispatch({ type: 'user/load-failed', payload: { message: result.error.message } });
  });
  // Exported once there is a confirmed user (the schema has no "not loaded yet"); readers that
  // watch earlier are told when it appears.
  let exposed = false;
  const exposeOnceLoaded = (state) => {
    if (exposed || !state.user) return;
    exposed = true;
    app.expose('user', (s) => exportedUser(selectUser(s)));
  };
  // A confirmed change of name is news for whoever subscribes (the topic is in the manifest).
  let confirmedName = null;
  const announceRename = (state) => {
    const name = state.user?.name ?? null;
    if (confirmedName !== null && name !== null && name !== confirmedName)
      app.emit('profile/user-renamed', { userId: state.user.userId, name });
    confirmedName = name;
  };
  exposeOnceLoaded(app.getState());
  app.subscribe(() => {
    const state = app.getState();
    exposeOnceLoaded(state);
    announceRename(state);
  });

  const root = createRoot(element);
  root.render(
    <AppProvider app={app}>
      <Profile />
    </AppProvider>,
  );
  return () => root.unmount();
}
