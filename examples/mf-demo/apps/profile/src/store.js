// Profile's own store: what only Profile may change. The user the server confirmed (fed by the
// shared query cache), and the rename in flight — the optimistic part, which stays here, in
// Profile's state, so that no other app ever sees a name the server has not accepted.

export const initialState = {
  user: null, // the confirmed record {userId, name, avatarUrl?}, once loaded
  loadError: null,
  pendingName: null, // shown at once while a rename is on its way (the optimistic update)
  renameError: null, // why the last rename failed (the rollback's explanation)
};

export function reducer(state, action) {
  switch (action.type) {
    case 'user/loaded':
      return { ...state, user: action.payload, loadError: null };
    case 'user/load-failed':
      return { ...state, loadError: action.payload.message };
    case 'rename/started':
      return { ...state, pendingName: action.payload.name, renameError: null };
    case 'rename/succeeded':
      return { ...state, user: action.payload, pendingName: null };
    case 'rename/failed':
      // The rollback: drop the optimistic name; the confirmed user was never touched.
      return { ...state, pendingName: null, renameError: action.payload.message };
    default:
      return state;
  }
}

/** What Profile exports as "user" (schemas/user.json): the confirmed record, never the pending name. */
export const selectUser = (state) => state.user;
/** The name to show: the pending one while a rename is in flight, else the confirmed one. */
export const selectShownName = (state) => state.pendingName ?? state.user?.name ?? null;
