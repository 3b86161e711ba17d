// "A component written for @tanstack/react-query changes its import and keeps working": the same
// component code, run once with @tanstack/react-query over @tanstack/query-core and once with
// @mfstate/react over @mfstate/core, shows the same text after every step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tanstackCore from '@tanstack/query-core';
import * as tanstack from '@tanstack/react-query';
import { createHost } from '@mfstate/core';
import * as mfstate from '@mfstate/react';
import { deferred, h, mount, settle } from './render.mjs';

// A profile card as a TanStack user writes it: a query, a mutation with an optimistic update and
// invalidation on settle, a refetch button. `lib` is the only thing that changes.
function makeProfile(lib, api) {
  return function Profile() {
    const qc = lib.useQueryClient();
    const user = lib.useQuery({ queryKey: ['user', 'me'], queryFn: api.getUser });
    const rename = lib.useMutation({
      mutationFn: api.rename,
      onMutate: async (name) => {
        await qc.cancelQueries({ queryKey: ['user', 'me'] });
        const previous = qc.getQueryData(['user', 'me']);
        qc.setQueryData(['user', 'me'], (old) => ({ ...old, name }));
        return { previous };
      },
      onError: (_error, _name, context) => qc.setQueryData(['user', 'me'], context.previous),
      onSettled: () => qc.invalidateQueries({ queryKey: ['user', 'me'] }),
    });
    api.view = { rename, user };
    if (user.isPending) return h('p', null, 'loading');
    return h('p', null, `${user.data.name} [${user.status}/${user.fetchStatus}] rename:${rename.status}`);
  };
}

// The server: answers when the test says so.
function fakeApi() {
  const pending = [];
  let name = 'John Doe';
  const api = {
    pending,
    getUser: () => { const d = deferred(); pending.push(() => d.resolve({ id: 'S6nRz7bZ8Cv1dfTm', name })); return d.promise; },
    rename: (next) => { const d = deferred(); pending.push(() => { name = next; d.resolve({ name }); }); return d.promise; },
    answerNext: () => pending.shift()(),
  };
  return api;
}

async function story(lib, Provider, props) {
  const api = fakeApi();
  const Profile = makeProfile(lib, api);
  const root = mount();
  const seen = [];
  await root.render(h(Provider, props, h(Profile)));
  seen.push(root.text());
  await settle(() => api.answerNext());                         // GET -> John Doe
  seen.push(root.text());
  await settle(() => { api.view.rename.mutate('Jane Roe'); });  // optimistic
  seen.push(root.text());
  await settle(() => api.answerNext());                         // PATCH answered
  seen.push(root.text());
  await settle(() => api.answerNext());                         // refetch after invalidation
  seen.push(root.text());
  await settle(() => { api.view.user.refetch(); });
  seen.push(root.text());
  await settle(() => api.answerNext());
  seen.push(root.text());
  await root.unmount();
  return seen;
}

test('the same component shows the same text with @tanstack/react-query and @mfstate/react', async () => {
  // TanStack notifies through setTimeout(0) by default; a microtask keeps this run timer-free.
  tanstackCore.notifyManager.setScheduler(queueMicrotask);
  const defaultOptions = { queries: { retry: false, gcTime: Infinity } };
  const theirs = await story(tanstack, tanstack.QueryClientProvider, { client: new tanstackCore.QueryClient({ defaultOptions }) });

  const host = await createHost({ clock: 'manual' });
  host.queryClient.setDefaultOptions(defaultOptions);
  const app = host.mount('profile');
  const ours = await story(mfstate, mfstate.AppProvider, { app });
  host.dispose();

  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs.slice(0, 3), ['loading', 'John Doe [success/idle] rename:idle', 'Jane Roe [success/idle] rename:pending']);
});
