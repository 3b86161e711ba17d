// Which fields of a query result a component read, so that it re-renders only when one of them
// changes (TanStack's default, `notifyOnChangeProps` unset): the result handed to the component
// records each field read; the snapshot useSyncExternalStore compares changes only when a
// recorded field did, so a change nobody read costs no render and trips no tearing check.

type Result = Record<string, unknown>;

export class ResultTracker {
  #fields = new Set<string>();
  #snapshot: Result | undefined;
  #only: readonly string[] | 'all' | undefined;

  /** `notifyOnChangeProps`: a list of fields, 'all', or undefined for "the fields read". */
  constructor(notifyOnChangeProps?: readonly string[] | 'all') {
    this.#only = notifyOnChangeProps;
  }

  setNotifyOnChangeProps(props: readonly string[] | 'all' | undefined): void {
    this.#only = props;
  }

  /** True when `next` differs from the last snapshot in a field that counts. */
  changed(next: Result): boolean {
    const previous = this.#snapshot;
    if (previous === undefined || previous === next) return previous === undefined;
    if (this.#only === 'all') return true;
    // Nothing read yet (e.g. a component that only spreads or logs the result): every change counts.
    if (this.#only === undefined && this.#fields.size === 0) return true;
    const fields = this.#only ?? this.#fields;
    for (const field of fields) {
      if (!Object.is(previous[field], next[field])) return true;
    }
    return false;
  }

  /** The snapshot for useSyncExternalStore: `current` when it changed in a field that counts. */
  snapshot(current: Result): Result {
    if (this.changed(current)) this.#snapshot = current;
    return this.#snapshot as Result;
  }

  /** `result` with each field read recorded (a copy with getters; the result stays untouched). */
  track<T extends Result>(result: T): T {
    if (this.#only !== undefined) return result;
    const tracked = {} as T;
    for (const key of Object.keys(result)) {
      Object.defineProperty(tracked, key, {
        configurable: false,
        enumerable: true,
        get: () => {
          this.#fields.add(key);
          return result[key];
        },
      });
    }
    return tracked;
  }
}
