// useMutationState and usePrefetchQuery: the same components run with @tanstack/react-query and
// with @mfstate/react show the same text and make the same requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { both } from './both.mjs';
import { deferred, h, mount, settle } from './render.mjs';

const defaultOptions = { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } };

test('useMutationState shows another component\'s pending and settled mutations, as TanStack', async () => {
  async function story(lib, Provider, props) {
    const answers = [];
    let renders = 0;
    function Adder() {
      const add = lib.useMutation({ mutationKey: ['todo', 'add'], mutationFn: (title) => { const d = deferred(); answers.push(d); return d.promise; } });
      api.add = add.mutate;
      return null;
    }
    function Pending() {
      renders++;
      const titles = lib.useMutationState({ filters: { mutationKey: ['todo'], status: 'pending' }, select: (m) => m.state.variables });
      const all = lib.useMutationState({ filters: { mutationKey: ['todo', 'add'] } });
      return h('p', null, `pending: ${titles.join(', ') || '-'}; all: ${all.map((s) => s.status).join(',')}`);
    }
    const api = {};
    const root = mount();
    const seen = [];
    await root.render(h(Provider, props, h(Adder), h(Pending)));
    seen.push(root.text());
    await settle(() => api.add('milk'));
    seen.push(root.text());
    await settle(() => api.add('eggs'));
    seen.push(root.text());
    await settle(() => answers[0].resolve({ id: 1 }));
    seen.push(root.text());
    const before = renders;
    await settle(() => answers[1].reject(new Error('refused')));
    seen.push(root.text());
    seen.push(renders > before);
    await root.unmount();
    return seen;
  }
  const { ours, theirs } = await both(story, defaultOptions);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs.slice(0, 5), [
    'pending: -; all: ',
    'pending: milk; all: pending',
    'pending: milk, eggs; all: pending,pending',
    'pending: eggs; all: success,pending',
    'pending: -; all: success,error',
  ]);
});

test('usePrefetchQuery starts a fetch during render once, and the reader later finds the data, as TanStack', async () => {
  async function story(lib, Provider, props, client) {
    let requests = 0;
    const answer = deferred();
    const queryFn = () => { requests++; return answer.promise; };
    function Page({ open }) {
      lib.usePrefetchQuery({ queryKey: ['details'], queryFn });
      return open ? h(Details) : h('p', null, 'closed');
    }
    function Details() {
      const { data, status } = lib.useQuery({ queryKey: ['details'], queryFn, staleTime: Infinity });
      return h('p', null, `${status}:${data ?? '-'}`);
    }
    const root = mount();
    const seen = [];
    await root.render(h(Provider, props, h(Page, { open: false })));
    await root.render(h(Provider, props, h(Page, { open: false })));
    seen.push(`${root.text()} requests=${requests}`);
    await settle(() => answer.resolve('the details'));
    await root.render(h(Provider, props, h(Page, { open: true })));
    await settle();
    seen.push(`${root.text()} requests=${requests}`);
    seen.push(client.getQueryState(['details'])?.status);
    await root.unmount();
    return seen;
  }
  const { ours, theirs } = await both(story, defaultOptions);
  assert.deepEqual(ours, theirs);
  assert.deepEqual(theirs, ['closed requests=1', 'success:the details requests=1', 'success']);
});
