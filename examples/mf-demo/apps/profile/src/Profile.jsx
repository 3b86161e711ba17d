// The profile page: the user's name and a form to change it. The rename is a mutation:
// - at once, the new name shows here (Profile's own store: the optimistic update);
// - the server answers: on success the confirmed record replaces it, on failure the old name
//   comes back with the server's reason (the rollback);
// - either way, the user's query is invalidated: every app observing it refetches, once.
// Nothing here names another app: Home converges because it observes the same key.
import { keyFromUrl } from '@mfstate/core';
import { useAppState, useDispatch, useMutation, useQueryClient } from '@mfstate/react';
import { useState } from 'react';
import { updateMe } from './api.js';
import { selectShownName } from './store.js';

const me = keyFromUrl('GET', '/api/users/me');

export function Profile() {
  const user = useAppState((s) => s.user);
  const shownName = useAppState(selectShownName);
  const pending = useAppState((s) => s.pendingName !== null);
  const renameError = useAppState((s) => s.renameError);
  const loadError = useAppState((s) => s.loadError);
  const dispatch = useDispatch();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState('');

  const rename = useMutation({
    mutationFn: (name) => updateMe({ name }),
    onMutate: (name) => dispatch({ type: 'rename/started', payload: { name } }),
    onSuccess: (confirmed) => dispatch({ type: 'rename/succeeded', payload: confirmed }),
    onError: (error) => dispatch({ type: 'rename/failed', payload: { message: error.message } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: me }),
  });

  const submit = (event) => {
    event.preventDefault();
    const name = draft.trim();
    if (name) rename.mutate(name);
  };

  return (
    <article className="app profile">
      <h2>Profile</h2>
      {user === null && !loadError ? <p>Loading…</p> : null}
      {loadError ? <p className="error" role="alert">Could not load the user: {loadError}</p> : null}
      {user !== null ? (
        <dl>
          <dt>Name</dt>
          <dd data-testid="profile-name" className={pending ? 'pending' : ''}>
            {shownName}
            {pending ? <span className="muted"> (saving…)</span> : null}
          </dd>
          <dt>User id</dt>
          <dd>{user.userId}</dd>
        </dl>
      ) : null}
      <form onSubmit={submit} className="rename">
        <label>
          New name{' '}
          <input name="name" value={draft} onChange={(e) => setDraft(e.target.value)} disabled={user === null} />
        </label>
        <button type="submit" disabled={user === null || pending || !draft.trim()}>
          Save
        </button>
      </form>
      {renameError ? (
        <p className="error" role="alert" data-testid="profile-error">
          The rename failed and was rolled back: {renameError}
        </p>
      ) : null}
    </article>
  );
}
