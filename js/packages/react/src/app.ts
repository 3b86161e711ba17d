// Hooks over the App handle of the nearest <AppProvider>: the app's own store (useAppState,
// useDispatch), what other apps export (useExport), commands to another app (useSend) and topics
// (useTopic). Each reads through useSyncExternalStore, and values are mfstate's frozen objects
// with one identity per version, so "did it change" is one comparison.
import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useApp } from './context.js';
import type { Action } from '@mfstate/core';
import type { AppHandle, Unsubscribe } from './types.js';

const identity = <T>(value: T) => value;

/**
 * The app's state, or `selector(state)`: re-renders only when the selection changes (by `isEqual`,
 * Object.is by default). The selector may be an inline function.
 */
export function useAppState<S = unknown, T = S>(
  selector: (state: S) => T = identity as (state: S) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  const app = useApp();
  // The last (state, selector) -> selection, so getSnapshot is stable between changes.
  const memo = useRef<{ state: unknown; selector: unknown; selection: T } | null>(null);
  const getSnapshot = () => {
    const state = app.getState() as S;
    const last = memo.current;
    if (last && last.state === state && last.selector === selector) return last.selection;
    const selection = selector(state);
    if (last && isEqual(last.selection, selection)) {
      memo.current = { state, selector, selection: last.selection };
      return last.selection;
    }
    memo.current = { state, selector, selection };
    return selection;
  };
  return useSyncExternalStore(
    useCallback((onStoreChange: () => void) => app.subscribe(onStoreChange), [app]),
    getSnapshot,
    getSnapshot,
  );
}

/** The app's dispatch, stable across renders: `dispatch({type, payload})`. */
export function useDispatch(): AppHandle['dispatch'] {
  const app = useApp();
  return useCallback(<A extends Action>(action: A): A => app.dispatch(action), [app]);
}

// One producer's export as an external store: watched while a component shows it (which works
// before the producer has mounted: the value arrives when it exposes it), read once otherwise.
class ExportSource {
  #value: unknown;
  #known = false;
  constructor(
    readonly app: AppHandle,
    readonly producer: string,
    readonly name: string,
  ) {}

  subscribe = (onChange: () => void): Unsubscribe =>
    this.app.watch(this.producer, this.name, (event: { kind: 'value' | 'removed'; value?: unknown }) => {
      // A removed export (its producer unmounted or withdrew it) reads as undefined again.
      this.#value = event.kind === 'value' ? event.value : undefined;
      this.#known = event.kind === 'value';
      onChange();
    });

  getSnapshot = (): unknown => {
    if (!this.#known) {
      this.#value = readIfThere(this.app, this.producer, this.name);
      this.#known = this.#value !== undefined;
    }
    return this.#value;
  };
}

function readIfThere(app: AppHandle, producer: string, name: string): unknown {
  try {
    return app.read(producer, name);
  } catch {
    return undefined;  // not mounted or not exposed yet: the watch delivers it when it comes
  }
}

/**
 * The current value of export `name` of app `producer`, or undefined until it has one. Works
 * before the producer loads; re-renders when the value changes.
 */
export function useExport<T = unknown>(producer: string, name: string): T | undefined {
  const app = useApp();
  const source = useMemo(() => new ExportSource(app, producer, name), [app, producer, name]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot) as T | undefined;
}

/** A stable function sending a command to app `target`: `send({type, payload})`. */
export function useSend(target: string): (command: Action) => void {
  const app = useApp();
  return useCallback((command: Action) => app.send(target, command), [app, target]);
}

/**
 * Calls `listener(payload, topic)` for each message on topics matching `pattern` while the
 * component is mounted. The latest listener is called; changing it does not resubscribe.
 */
export function useTopic(pattern: string, listener: (payload: unknown, topic: string) => void): void {
  const app = useApp();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => app.on(pattern, (payload: unknown, topic: string) => latest.current(payload, topic)), [app, pattern]);
}
