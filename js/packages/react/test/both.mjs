// The side-by-side harness of the parity tests: a story (component code and steps, given the
// library to use) run once with @tanstack/react-query over @tanstack/query-core and once with
// @mfstate/react over @mfstate/core, with the same client defaults. The tests compare what each
// run saw.
import * as tanstackCore from '@tanstack/query-core';
import * as tanstack from '@tanstack/react-query';
import { createHost } from '@mfstate/core';
import * as mfstate from '@mfstate/react';

/** Runs `story(lib, Provider, props, client)` with TanStack's and with this package's; returns both results. */
export async function both(story, defaultOptions = { queries: { retry: false, gcTime: Infinity } }) {
  // TanStack notifies through setTimeout(0) by default; a microtask keeps this run timer-free.
  tanstackCore.notifyManager.setScheduler(queueMicrotask);
  const theirClient = new tanstackCore.QueryClient({ defaultOptions });
  const theirs = await story(tanstack, tanstack.QueryClientProvider, { client: theirClient }, theirClient);
  const host = await createHost({ clock: 'manual' });
  host.queryClient.setDefaultOptions(defaultOptions);
  const app = host.mount('todos');
  const ours = await story(mfstate, mfstate.AppProvider, { app }, app.queryClient);
  host.dispose();
  return { ours, theirs };
}
