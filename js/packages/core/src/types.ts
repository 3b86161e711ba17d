// Types shared by the host, the apps and the query cache.

/** JSON data: what mfstate holds. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What mfstate hands out: deeply frozen (and typed so). */
export type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends Function
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Ends a subscription; calling it again does nothing. */
export type Unsubscribe = () => void;

/** A Flux Standard Action: a type, and optionally a payload and meta (JSON data). */
export interface Action<T extends string = string, P = unknown> {
  type: T;
  payload?: P;
  meta?: unknown;
}

/** `(state, action) => next state`, as Redux's. The state it receives is frozen. */
export type Reducer<S = any, A extends Action = Action> = (state: DeepReadonly<S>, action: A) => S | DeepReadonly<S>;

/** What a middleware sees of its store (Redux's MiddlewareAPI). */
export interface MiddlewareAPI<S = any> {
  getState(): DeepReadonly<S>;
  dispatch(action: Action): Action;
}

/** A Redux middleware: `api => next => action => ...`. */
export type Middleware<S = any> = (api: MiddlewareAPI<S>) => (next: (action: Action) => void) => (action: Action) => void;

/** One app's store, as Redux's: bound to the app that created it. */
export interface Store<S = any> {
  getState(): DeepReadonly<S>;
  dispatch<A extends Action>(action: A): A;
  subscribe(listener: () => void): Unsubscribe;
  replaceReducer(reducer: Reducer<S>): void;
}

/**
 * A JSON Schema (the subset docs/contracts.md describes: type, properties, required, items, enum,
 * const, additionalProperties, minimum/maximum, minLength/maxLength, oneOf, $defs, local $ref).
 */
export type Schema = { readonly [keyword: string]: Json } | boolean;

/**
 * What a consumer reads from an export: JSON Pointer -> expected type
 * (`{"/name": "string", "/id": {"type": "integer", "required": false}}`).
 */
export type Expectations =
  | { readonly [pointer: string]: string | readonly string[] | { type: string | readonly string[]; required?: boolean } }
  | ReadonlyArray<{ path: string; type: string | readonly string[]; required?: boolean }>;

/** What a watcher is told. */
export interface ExportEvent<T = unknown> {
  /** The producer. */
  readonly app: string;
  /** The export's name. */
  readonly name: string;
  /** "value": it has this value (first seen or changed); "removed": it is gone. */
  readonly kind: "value" | "removed";
  /** The exported value (undefined when removed). */
  readonly value: DeepReadonly<T> | undefined;
}

/** The inspector's events (the shell's devtools stream). */
export interface InspectorEvent {
  readonly kind:
    | "mount"
    | "unmount"
    | "action"
    | "command_sent"
    | "command_refused"
    | "export_changed"
    | "export_removed"
    | "contract_error"
    | "bus_message"
    | "transaction_rolled_back"
    | "error";
  readonly time: number;
  readonly app?: string;
  readonly target?: string;
  readonly name?: string;
  readonly payload?: Json;
  readonly state_changed?: boolean;
  readonly code?: string;
  readonly detail?: string;
}

/**
 * An app's manifest (mfstate.json, docs/manifest.md) with every schema inline (file references
 * are for the CLI, which reads the folder; a page has no files).
 */
export interface Manifest {
  readonly $schema?: string;
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** Export name -> schema of the value it hands to readers. */
  readonly exports?: { readonly [name: string]: Schema };
  /** Command type -> schema of the payload the app accepts. */
  readonly commands?: { readonly [type: string]: Schema };
  readonly topics?: {
    readonly publishes?: { readonly [topic: string]: Schema };
    readonly subscribes?: { readonly [topic: string]: Schema };
  };
  /** "app/export" -> what this app expects to find there. */
  readonly reads?: { readonly [appExport: string]: Expectations };
}
