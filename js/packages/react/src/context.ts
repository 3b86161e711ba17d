// Where a component finds mfstate: the shell wraps its tree in <HostProvider host={host}>, each
// remote wraps its own in <AppProvider app={app}> with the App handle the shell gave its mount
// function. Queries use the nearest one's query client; <QueryClientProvider> is there so a tree
// written for @tanstack/react-query keeps working with an mfstate QueryClient.
import { createContext, createElement, useContext, useEffect, type ReactNode } from 'react';
import type { AppHandle, HostHandle, QueryClientLike } from './types.js';

export const QueryClientContext = createContext<QueryClientLike | undefined>(undefined);
const HostContext = createContext<HostHandle | undefined>(undefined);
const AppContext = createContext<AppHandle | undefined>(undefined);

export interface HostProviderProps {
  host: HostHandle;
  children?: ReactNode;
}

/**
 * The shell's provider: its host, and the host's query client for the queries below. It puts the
 * host in React's tree, which any script of the page reads from the DOM (fibers keep props and
 * context values): a shell that loads code it does not trust keeps its host in closures and uses
 * <QueryClientProvider client={host.platform.queryClient}> instead (docs/web-react.md).
 */
export function HostProvider({ host, children }: HostProviderProps): ReactNode {
  return createElement(
    HostContext.Provider,
    { value: host },
    createElement(QueryClientContext.Provider, { value: host.queryClient }, children),
  );
}

export interface AppProviderProps {
  app: AppHandle;
  children?: ReactNode;
}

/**
 * A remote's provider: its App handle (its powers, nobody else's), and the app's query client.
 * Below it the shell's host is out of reach (useHost throws), also when the shell renders the
 * remote's components inside its own <HostProvider> tree, as Module Federation shells often do.
 */
export function AppProvider({ app, children }: AppProviderProps): ReactNode {
  return createElement(
    HostContext.Provider,
    { value: undefined },
    createElement(
      AppContext.Provider,
      { value: app },
      createElement(QueryClientContext.Provider, { value: app.queryClient }, children),
    ),
  );
}

export interface QueryClientProviderProps {
  client: QueryClientLike;
  children?: ReactNode;
}

/** @tanstack/react-query's provider, for trees written against it: sets the query client. */
export function QueryClientProvider({ client, children }: QueryClientProviderProps): ReactNode {
  useEffect(() => {
    client.mount?.();
    return () => client.unmount?.();
  }, [client]);
  return createElement(QueryClientContext.Provider, { value: client }, children);
}

/** The query client of the nearest provider, or `client` when given. Throws when there is none. */
export function useQueryClient<C extends QueryClientLike = QueryClientLike>(client?: C): C {
  const fromContext = useContext(QueryClientContext);
  if (client) return client;
  if (!fromContext) {
    throw new Error(
      'No QueryClient set: wrap the tree in <HostProvider host={host}> (the shell), ' +
        '<AppProvider app={app}> (a remote) or <QueryClientProvider client={client}>',
    );
  }
  return fromContext as C;
}

/** The App handle of the nearest <AppProvider>. Throws when there is none. */
export function useApp(): AppHandle {
  const app = useContext(AppContext);
  if (!app) {
    throw new Error(
      'No mfstate app here: wrap the remote\'s tree in <AppProvider app={app}> with the App handle ' +
        'the shell passed to its mount function',
    );
  }
  return app;
}

/** The host of the nearest <HostProvider> (the shell's tree only). Throws when there is none. */
export function useHost(): HostHandle {
  const host = useContext(HostContext);
  if (!host) {
    throw new Error(
      'No mfstate host here: the shell wraps its own tree in <HostProvider host={host}>; ' +
        'components under an <AppProvider> act as their app and cannot reach the shell\'s host',
    );
  }
  return host;
}
