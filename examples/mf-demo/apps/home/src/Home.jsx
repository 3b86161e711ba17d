// Home greets the signed-in user. Two sources, two kinds of coupling:
// - the user record from the page's shared query cache, by the resource's URL. Any app that
//   changes the user and invalidates this key makes Home refetch — without either naming the
//   other;
// - who Profile says is signed in, from Profile's export "user". This is a declared dependency:
//   Home's mfstate.json lists what it reads there (/userId, /name), so Profile's CI fails if a
//   change would break Home, and the host feeds Home nothing that breaks it.
import { keyFromUrl } from '@mfstate/core';
import { useExport, useQuery } from '@mfstate/react';

const me = keyFromUrl('GET', '/api/users/me');

export function Home() {
  const user = useQuery({ queryKey: me });
  const fromProfile = useExport('profile', 'user');

  return (
    <article className="app home">
      <h2>Home</h2>
      <p className="greeting" data-testid="home-greeting">
        {user.isPending ? 'Loading…' : user.isError ? `Could not load the user: ${user.error.message}` : `Welcome back, ${user.data.name}!`}
        {user.isFetching && !user.isPending ? <span className="muted"> (refreshing)</span> : null}
      </p>
      <p className="muted" data-testid="home-profile-export">
        {fromProfile === undefined
          ? 'Profile has not said who is signed in yet.'
          : `Profile says ${fromProfile.name} (${fromProfile.userId}) is signed in.`}
      </p>
    </article>
  );
}
