// App: the capability to act as one mounted app. Its powers (the handle into the module) live in
// private fields; nothing reachable from an App leads to the shell's powers or to another app's.

import { MfstateError } from "./errors.js";
import { checkOutside, releaseOutside } from "./page_room.js";
import type { Driver } from "./driver.js";
import type { Queued, TxFrames } from "./tx_frames.js";
import {
  adoptState,
  api,
  fastReducer,
  atTurnEnd,
  takeSteppedAside,
  append,
  ownList,
  takeFirst,
  isJson,
  messageOf,
  scheduleTimer,
  begin,
  idle,
  idleOutsideReducers,
  asModuleHoldsIt,
  holdsSurrogate,
  refuseUnlessCallable,
  endKeptHold,
  endingKeptHold,
  pendingStatesOn,
  holdKept,
  enterPlain,
  leavePlain,
  IN_DOUBT,
  plainCopy,
  syncBeforeEntering,
  writeValues,
  writePair,
  callWith,
  check,
  enter,
  epoch,
  fn,
  leave,
  readValue,
  result,
  stage,
  stageTwinned,
  writeResult,
  stageValues,
  unsubscriber,
  writeValue,
} from "./wasm.js";
import type {
  Action,
  DeepReadonly,
  ExportEvent,
  Expectations,
  InspectorEvent,
  Middleware,
  MiddlewareAPI,
  Reducer,
  Schema,
  Store,
  Unsubscribe,
} from "./types.js";
import { appQueryClient, type QueryClient } from "./query/client.js";
import type { BusMirror } from "./bus_mirror.js";
import type { QueryObserverOptions, QueryObserverResult } from "./query/types.js";
import { QueryObserver } from "./query/observer.js";
import { settleShape } from "./shape.js";

/** What an App shares with its Host (module-internal; never handed to user code). */
export interface HostLink {
  /** The host's handle, or 0 once it is disposed. */
  handle: number;
  /**
   * Whether it is a host other than the page's (page_room.ts): then each of its apps, and what
   * each holds, counts against the page's bound for all that is outside the page's host as well.
   */
  readonly outsidePageHost: boolean;
  driver: Driver;
  apps: Set<App>;
  /** The shell's face of the host's shared client. */
  shellClient(): QueryClient;
  /**
   * The ends of what the host itself handed out that holds the module's handles (its inspector's
   * subscriptions, its client's cache listeners and observers), each removed as it ends: its
   * dispose ends those left. Its apps' end at their unmount.
   */
  readonly held: Set<() => void>;
  /**
   * The shell's own (host.inspector), which see every app's dispatches: while there is one, every
   * dispatch goes through the module. An app's inspector sees its own actions only (App.inspect).
   */
  hostInspectors: number;
  /** Hands an error to the shell's error handler (what the module's error sink does). */
  report(error: MfstateError): void;
  /** Every app's topic groups, for plain messages delivered without the module (App.emit). */
  bus: BusMirror<TopicGroup>;
  /**
   * Bumped whenever what makes a broadcast plain (App::plain_broadcast_targets in the module) may
   * change: a mount, an unmount, an acceptance, a store made. Apps cache the module's answer
   * against it.
   */
  commands: number;
  /** The host's batch of fast-path work, shared by its apps (see FastBatch). */
  readonly batch: FastBatch;
  /** The transactions open on the host, whose rollback drops what the apps' fast paths queued inside. */
  readonly tx: TxFrames;
}

const CONSTRUCT = Symbol("mfstate.App");

/** Options of App.expose. */
export interface ExposeOptions {
  /** Every exported value must satisfy it (checked when the host validates). */
  schema?: Schema;
}

/** Options of App.accept. */
export interface AcceptOptions {
  /** The payload must satisfy it (checked when the host validates). */
  schema?: Schema;
  /**
   * Runs instead of the reducer: `(action, from)`, where `from` is the sending app's name as the
   * host knows it from the sender's handle (it can be trusted).
   */
  handler?: (action: Action, from: string) => void;
}

/** Options of App.watch. */
export interface WatchOptions {
  /** What this app reads from the export; a producer schema that breaks them is a contract error. */
  expectations?: Expectations;
}

/** Options of App.declare. */
export interface TopicOptions {
  /** Payloads published on the topic must satisfy it (checked when the host validates). */
  schema?: Schema;
  /** A new subscriber hears the last payload at once. */
  replay?: boolean;
}

/** A listener of bus messages. */
export type TopicListener<T = unknown> = (payload: DeepReadonly<T>, topic: string) => void;


// Which app's code threw an object a reducer or command handler threw. What the target's code threw
// is the target's (it may hold its private state): a sender gets the error's code and message but
// the cause only when its own code threw it (test/attacks.test.mjs, "errors a target threw").
const thrownBy = new WeakMap<object, string>();

function noteThrown(e: unknown, app: string): void {
  if (typeof e === "object" && e !== null && !thrownBy.has(e)) thrownBy.set(e, app);
}

/** `e` as the sender `app` may see it: without a cause another app's code threw. */
function asSeenBy(e: unknown, app: string): unknown {
  if (!(e instanceof MfstateError) || e.cause === undefined) return e;
  const cause = e.cause;
  if (typeof cause !== "object" || cause === null || thrownBy.get(cause) === app) return e;
  return new MfstateError(e.code, e.message);
}

/** Checks an action's shape; returns it. */
export function checkAction(action: unknown): Action {
  if (typeof action !== "object" || action === null || Array.isArray(action)) {
    throw new MfstateError("invalid_argument", `an action must be a plain object with a string "type", got ${typeof action}`);
  }
  const a = action as Action;
  if (typeof a.type !== "string") {
    throw new MfstateError("invalid_argument", `an action must have a string "type", got ${typeof a.type}`);
  }
  for (const k in a) {
    // Own members only: something a page made enumerable on Object.prototype is not the action's.
    if (k !== "type" && k !== "payload" && k !== "meta" && Object.hasOwn(a, k)) {
      throw new MfstateError(
        "invalid_argument",
        `action "${a.type}" has a field "${k}": mfstate actions are Flux Standard Actions ({type, payload, meta}); put "${k}" under payload`,
      );
    }
  }
  return a;
}

/** Writes type, payload and meta and stages them. */
function stageAction(a: Action, before?: string): void {
  if (before === undefined) stageValues(a.type, a.payload, a.meta);
  else stageValues(before, a.type, a.payload, a.meta);
}

// The actions an app is dispatching into its own store now (innermost last): the module names one
// by its token when the reducer receives that very action, which then gets the caller's object.
// Page-wide: a token is a position on this stack of nested calls, and calls nest across hosts.
const dispatching: Array<Action | undefined> = ownList();
/** How many of `dispatching` are in use (a stack kept by index: no length changes, see ownList). */
let dispatchDepth = 0;

/** Pushes `a` on the dispatching stack; returns its token (its 1-based position). */
function beginDispatch(a: Action): number {
  dispatching[dispatchDepth++] = a;
  return dispatchDepth;
}

function endDispatch(): void {
  dispatching[--dispatchDepth] = undefined;
}
// Frozen actions without payload or meta, by type: most commands and broadcasts are these.
const bareActions = new Map<string, Action>();

// ---- the store's fast path ----
// A dispatch that nothing but the app's own reducer and subscribers can see (no middleware, no
// exports, no inspector, not inside another call into the module) runs in JavaScript alone: the
// module would only hand the state to the reducer and the result back, twice across the
// boundary (W1: 0.9-1.0 us a dispatch against Redux's 0.4). The state it makes is written into the
// module before anything next enters it (syncBeforeEntering), so every other path — another app's
// command, a transaction, an export added later, the inspector — finds it there, as if the
// dispatch had gone through the module. The write is a dispatch the module runs with a reducer
// that returns that state (its subscribers are not told again).

/** Apps whose state is newer than the module's. Page-wide, as the write is: it is made before any
 * call enters the module, whichever host that call is for (enter does not know). */
const unsynced = new Set<App>();
let syncApp: (app: App) => void;
/** The state being written into the module, returned by that app's reducer function. */
let syncing: { app: App; state: unknown } | null = null;
const SYNC_ACTION: Action = Object.freeze({ type: "mfstate/sync" });
/** No state (App.#toldState): a subscriber was told without the store's state being known. */
const NOT_KNOWN: unique symbol = Symbol("not known");

// Writes every pending state. A write that fails for want of stack (the call entering the module
// was made at the edge of the stack: a hostile app can do that on purpose) leaves that state
// pending and fails the entering call, so nothing runs on the module's older state; any other
// failure is the state's own (see #sync).
function syncAll(): void {
  let lowStack: unknown;
  for (const app of Array.from(unsynced)) {
    try {
      syncApp(app);
    } catch (e) {
      lowStack ??= e;
    }
  }
  if (lowStack !== undefined) {
    syncBeforeEntering(syncAll);
    throw lowStack;
  }
}

// One host's batch of fast-path work, as the module's Batcher keeps one per host and per outermost
// operation: the subscribers of every store a fast dispatch changed inside it (from a reducer or a
// subscriber of another store) are told once it ends, in the order the stores changed. Per host,
// as the module's: a subscriber of one host's batch that dispatches or emits into another host
// finds no batch under way there, and that host tells at once, inside the subscriber, as the
// module's Batcher of that host does (test/review-broadcast.test.mjs, "across hosts"). A page-wide
// batch queued that host's work behind the first one's. Each host's apps share their host's batch
// (HostLink.batch); what it queues is only that host's: its stores, its plain messages.
export class FastBatch {
  /** Fast-path work under way in this host (a dispatch reducing, a batch telling); 0 when none. */
  depth = 0;
  // A queue kept by two indices: taking from an ownList's front is slow, and shrinking any array's
  // length costs more than the rest of a fast dispatch.
  readonly toTell: Array<App | PlainDelivery | KeptHoldEnd | undefined> = ownList();
  head = 0;
  end = 0;
}

// The batches of the live hosts, for the end of the turn (atTurnEnd): what a throw at the edge of
// the stack left in any of them is told there. A host's batch is listed once the host exists
// (watchBatch) and taken off when it is disposed (unwatchBatch): its apps are released then, and
// nothing of theirs is told after the end.
const batches = new Set<FastBatch>();

/** Lists a live host's batch for the end of the turn (module-internal: Host). */
export function watchBatch(batch: FastBatch): void {
  batches.add(batch);
}

/** Takes a disposed host's batch off that list (module-internal: Host.dispose). */
export function unwatchBatch(batch: FastBatch): void {
  batches.delete(batch);
}

let tellApp: (app: App) => void;
// Subscribers' failures whose report itself failed (no stack left): app, then what was thrown;
// reported at the end of the turn (atTurnEnd), so that none goes unheard. Page-wide: each report
// names its app, which reports to its own host; nothing orders one host's reports against another's.
const lateReports: unknown[] = ownList();
let reportLate: (app: App, thrown: unknown) => void;
/** What a listener of `app`'s on `topic` threw in a plain delivery (App.#topicListenerThrew). */
let topicListenerThrew: (app: App, topic: string, thrown: unknown) => void;

function waitsToTell(batch: FastBatch, app: App): boolean {
  const toTell = batch.toTell;
  for (let i = batch.head; i < batch.end; i++) if (toTell[i] === app) return true;
  return false;
}

/** Queues `app` (once) to be told with `batch`, its host's. */
function willTell(batch: FastBatch, app: App): void {
  if (!waitsToTell(batch, app)) batch.toTell[batch.end++] = app;
}

function tellBatch(batch: FastBatch): void {
  const toTell = batch.toTell;
  batch.depth++;
  let inFlight: App | PlainDelivery | KeptHoldEnd | undefined;
  try {
    while (batch.head < batch.end) {
      const next = toTell[batch.head]!;
      toTell[batch.head++] = undefined;
      inFlight = next;
      if (next instanceof PlainDelivery) deliverPlain(next.link, next.receivers, next.topic, next.payload, next);
      else if (typeof next === "number") endKeptHold(next);
      else tellApp(next);
      inFlight = undefined;
    }
  } finally {
    // The item whose call threw goes back first: at the edge of the stack (where a hostile sender
    // calls on purpose) its call may not even have started, and dropped, that store was never
    // told of its change, that message never delivered. Again, neither is told twice: a store is
    // told once per change (#changed), a message resumes at the group it stopped at. What a throw
    // left is told with the host's next batch, or at the end of the turn (atTurnEnd).
    if (inFlight !== undefined) toTell[--batch.head] = inFlight;
    if (batch.head === batch.end) batch.head = batch.end = 0;
    batch.depth--;
  }
}

// A call made at the edge of the stack (a hostile sender can make one on purpose) can run a fast
// broadcast's reducers, every receiver's state changed, and then find no stack to tell their
// subscribers: left for "the next batch", they heard of it only when some store next changed on
// the fast path, maybe never (test/review-broadcast.test.mjs). The turn that ran a fast reducer
// ends by telling what is left, in every host's batch. Again while one had something left: what
// one host's leftovers cause in another host is told there at once (that host has no batch under
// way), but a throw there leaves it in that host's batch, which may have been looked at already.
atTurnEnd(() => {
  if (lateReports.length !== 0) {
    const late = Array.from(lateReports);
    lateReports.length = 0;
    for (let i = 0; i < late.length; i += 2) {
      try {
        reportLate(late[i] as App, late[i + 1]);
      } catch {
        // the host's own handler: not let through (HostLink.report)
      }
    }
  }
  for (let again = true; again; ) {
    again = false;
    for (const batch of batches) {
      if (batch.depth === 0 && batch.head < batch.end) {
        again = true;
        tellLeft(batch);
      }
    }
  }
});

/** Tells what a batch has left, at the end of the turn (nothing is under way then). */
function tellLeft(batch: FastBatch): void {
  while (batch.depth === 0 && batch.head < batch.end) {
    try {
      tellBatch(batch);
    } catch {
      // Nobody called this to hand it to. Here the stack is the turn's own: the item that threw
      // (put back first) failed for a reason of its own, and is dropped.
      if (batch.head < batch.end) batch.toTell[batch.head++] = undefined;
      if (batch.head === batch.end) batch.head = batch.end = 0;
    }
  }
}

// Whether `e`, or what it wraps, is a RangeError. Read inside a try: a state's own thrown value may
// be a Proxy or carry a getter, and whatever it does here means "no".
function isStackOverflow(e: unknown): boolean {
  try {
    for (let x = e, i = 0; x !== undefined && x !== null && i < 8; x = (x as { cause?: unknown }).cause, i++) {
      if (x instanceof RangeError) return true;
    }
  } catch {
    // not ours to say
  }
  return false;
}

// Whether this call has room left on the stack: a RangeError raised by a getter or Proxy trap of an
// app's own state is that state's failure, not a lack of stack, and must not keep it pending (it
// would fail every app's calls).
function stackHasRoom(depth = 2000): boolean {
  try {
    return descend(depth) === depth;
  } catch {
    return false;
  }
}

function descend(n: number): number {
  return n === 0 ? 0 : 1 + descend(n - 1);
}

/** Reads an action: a token of one being dispatched, or (type, payload, meta) into a frozen action
 * (null payload and meta are left out). */
export function readAction(): Action {
  const first = readValue();
  if (typeof first === "number") return dispatching[first - 1]!;
  const type = first as string;
  const payload = readValue();
  const meta = readValue();
  return frozenAction(type, payload, meta);
}

/** A frozen action of these parts, as the module hands one to a reducer (null parts left out). */
function frozenAction(type: string, payload: unknown, meta: unknown): Action {
  if (payload === null && meta === null) {
    let a = bareActions.get(type);
    if (a === undefined) {
      a = Object.freeze({ type });
      if (bareActions.size < 4096) bareActions.set(type, a);
    }
    return a;
  }
  // Literals, not assignments: a "payload" or "meta" setter an app planted on Object.prototype
  // would be handed every action's payload (another app's commands and broadcasts) and the receiver
  // an action without it.
  const a = payload === null ? { type, meta } : meta === null ? { type, payload } : { type, payload, meta };
  return Object.freeze(a);
}

/**
 * The action a broadcast's receivers would get from the module: a frozen copy, its payload and
 * meta deeply frozen copies (plainCopy; undefined as null, left out). IN_DOUBT for anything the
 * module would refuse or change: its path runs it and says why.
 */
function receivedCopy(type: string, payload: unknown, meta: unknown): Action | typeof IN_DOUBT {
  if (holdsSurrogate(type)) return IN_DOUBT;
  const p = payload === undefined || payload === null ? null : plainCopy(payload);
  if (p === IN_DOUBT) return IN_DOUBT;
  const m = meta === undefined || meta === null ? null : plainCopy(meta);
  if (m === IN_DOUBT) return IN_DOUBT;
  return frozenAction(type, p, m);
}

// What a fast-path reducer made (App.#nextState) when it is not a new state.
const REFUSED = Symbol("refused");
const UNCHANGED = Symbol("unchanged");
// The states a fast broadcast's reducers made, one per target, until all of them have run.
const broadcastStates: unknown[] = ownList();
// A fast broadcast's reducers are running: no store's dispatch is fast meanwhile. One of them
// dispatching to a receiver that has run (a shell's reducer holds every app) would change a state
// the broadcast then replaces; through the module, such a dispatch steps aside and the broadcast
// runs there, in order. Page-wide, not per host: a reducer's dispatch into another host's store
// must step the broadcast aside too, else it ran here and again when the broadcast runs through
// the module. (Its scratch lists below serve the one broadcast whose reducers run: no other is
// fast meanwhile.)
let broadcasting = false;
// What the receivers that have run held before: their new states are theirs while the others'
// reducers run (a shell's reducer holds every app and reads, through the module's path, the
// receivers' new states), put back if the broadcast goes through the module after all.
const broadcastSaved: unknown[] = ownList();
const broadcastSavedEpochs: number[] = ownList();

/**
 * Listeners told in the order they subscribed, from a snapshot: one added during a notification
 * hears the next one; one removed is not called. The snapshot array is rebuilt only after changes.
 */
class Listeners<L> {
  readonly set = new Set<L>();
  #snapshot: L[] | null = null;
  /** Bumped by each removal: a delivery checks membership only when one happened during it. */
  removals = 0;
  get size(): number {
    return this.set.size;
  }
  add(l: L): void {
    this.set.add(l);
    this.#snapshot = null;
  }
  delete(l: L): boolean {
    this.#snapshot = null;
    this.removals++;
    return this.set.delete(l);
  }
  has(l: L): boolean {
    return this.set.has(l);
  }
  clear(): void {
    this.set.clear();
    this.#snapshot = null;
    this.removals++;
  }
  snapshot(): L[] {
    return (this.#snapshot ??= Array.from(this.set));
  }
}

export type TopicGroup = {
  /** The pattern as the module holds it (a lone surrogate as U+FFFD). */
  readonly pattern: string;
  /** Its subscription stands (the mirror's; see BusMirror). */
  live: boolean;
  /** The app whose listeners these are, and its name. */
  readonly owner: App;
  readonly app: string;
  sub: number;
  /** Ends the group's module subscription (counted as the app's). */
  end: Unsubscribe | undefined;
  listeners: Listeners<(payload: unknown, topic: string) => void>;
  /** Names the group in an AggregateError of its listeners. */
  what: string;
};

// Two loops, one per kind of listener, though they read alike: V8 keeps the call feedback of a
// call site per function, and a store's listeners and a topic's are different closures, so one
// shared loop turns megamorphic as soon as a page uses both (a hundred-listener emit, CPU time:
// 2.1 us alone; after stores had been told, 2.7 us through one shared loop, 2.4 us with two).
// Each calls the listeners of a snapshot still subscribed; one that throws does not stop the
// others, and what they threw is rethrown after (one error, or an AggregateError naming `what`, a
// string made once per group). One try around each loop, not one per listener (V8 pays for each
// entry into a try: about an eighth of a hundred-listener delivery): a listener that throws
// resumes the loop after itself.

// Set by notifyStore once it is about to call the subscribers (see App.#tellFast). Page-wide, and
// #tellFast of one host can run inside a subscriber of another's (each host has its batch): so
// the inner one leaves it set whichever way it ends, as the outer one, whose subscriber that is,
// has it.
let listenersCalled = false;

/** Tells a store's subscribers, as Redux calls them: with no arguments. */
function notifyStore(set: Listeners<() => void>, what: string): void {
  let errors: unknown[] | undefined;
  const list = set.snapshot();
  const removals = set.removals;
  listenersCalled = true;
  let i = 0;
  while (i < list.length) {
    try {
      for (; i < list.length; i++) {
        const l = list[i];
        if (set.removals !== removals && !set.has(l)) continue;
        l();
      }
    } catch (e) {
      (errors ??= []).push(e);
      i++;
    }
  }
  if (errors) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} ${what} threw`);
}

// ---- plain messages (App.emit), delivered without the module ----

// An app choosing a fresh topic per message must not grow memory.
const MAX_PLAIN_TOPICS = 512;
const noReceivers: readonly TopicGroup[] = ownList();

/**
 * Delivers a plain message to `receivers` as the module delivers a message: what their listeners
 * cause in the module (a dispatch, a command, another message) is told after every receiver has
 * heard this one (enterPlain), and what they throw goes to the shell as listener_error. It counts
 * as a call into the module: nothing else is plain, nor a store's dispatch fast, meanwhile.
 */
function deliverPlain(link: HostLink, receivers: readonly TopicGroup[], topic: string, payload: unknown, progress?: PlainDelivery): void {
  const mark = enterPlain(link.handle);
  try {
    for (let i = progress === undefined ? 0 : progress.next; i < receivers.length; i++) {
      const g = receivers[i];
      if (g.live) {
        // (not live: unsubscribed meanwhile, as the module skips an ended subscription)
        try {
          deliver(g.listeners, payload, topic, g.what);
        } catch (e) {
          topicListenerThrew(g.owner, topic, e);
        }
      }
      if (progress !== undefined) progress.next = i + 1;
    }
  } finally {
    // An item of the batch (progress): what its listeners did in the module is told where the
    // module's batch would tell it, after what this batch queued so far (a store queued behind
    // this message, told after its round), before what is queued from now on.
    const kept = leavePlain(mark, progress !== undefined);
    if (kept !== 0) link.batch.toTell[link.batch.end++] = kept;
  }
}

/**
 * In a batch's queue, where the hold a plain delivery kept on the host of that handle ends
 * (leavePlain, endKeptHold): a number, so queueing it allocates nothing.
 */
type KeptHoldEnd = number;

/**
 * A plain message emitted by a subscriber while its host's batch of fast-path work is told:
 * delivered in the batch's order, after that subscriber's round, as the module's batch delivers a
 * message published during a notification.
 */
class PlainDelivery {
  /** The receivers delivered to so far (a delivery cut short resumes there: see tellBatch). */
  next = 0;
  constructor(
    readonly link: HostLink,
    readonly receivers: readonly TopicGroup[],
    readonly topic: string,
    readonly payload: unknown,
  ) {}
}

/** Delivers a message to a topic group's listeners. */
function deliver(set: Listeners<(payload: unknown, topic: string) => void>, payload: unknown, topic: string, what: string): void {
  let errors: unknown[] | undefined;
  const list = set.snapshot();
  const removals = set.removals;
  let i = 0;
  while (i < list.length) {
    try {
      for (; i < list.length; i++) {
        const l = list[i];
        if (set.removals !== removals && !set.has(l)) continue;
        l(payload, topic);
      }
    } catch (e) {
      (errors ??= []).push(e);
      i++;
    }
  }
  if (errors) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} ${what} threw`);
}

/**
 * The entry of a listener in `set`: the listener itself (a wrapper would cost every notification a
 * call per listener), or a wrapper when that function is already subscribed there, so each
 * subscription stays its own entry, as Redux and RxJS keep them.
 */
function entryFor<L extends (...args: never[]) => void>(set: Listeners<L> | undefined, listener: L): L {
  return set?.has(listener) ? (((...args: Parameters<L>) => listener(...args)) as L) : listener;
}

/** An unsubscribe that acts once: the entry may be the listener itself, which a later
 * subscription of the same function may use again. */
function once(unsubscribe: () => void): () => void {
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    unsubscribe();
  };
}

/**
 * An option's own value (undefined when absent). Options are read as own members only: an app that
 * defines `handler` or `schema` on Object.prototype would otherwise supply them to every other
 * app's `accept({})` or `expose(name, fn)` (stealing its commands, refusing its exports).
 */
function own<O extends object, K extends keyof O>(options: O, key: K): O[K] | undefined {
  return typeof options === "object" && options !== null && Object.hasOwn(options, key) ? options[key] : undefined;
}

function plain(value: unknown, what: string): void {
  if (typeof value !== "function") throw new MfstateError("invalid_argument", `${what} must be a function, got ${typeof value}`);
}

/** One app as the shell's inspector sees it (Host.inspect). */
export interface AppSnapshot {
  readonly name: string;
  readonly version: string;
  readonly exports: ReadonlyArray<{ readonly name: string; readonly schema: Schema | null; readonly value?: unknown; readonly error?: string }>;
  /** Command types it accepts ("*": acceptAll). */
  readonly accepts: readonly string[];
  readonly counts: {
    /** Store listeners and bus listeners. */
    readonly subscriptions: number;
    readonly watches: number;
    /** Query observers made as this app. */
    readonly observers: number;
    /** Command handlers. */
    readonly handlers: number;
  };
}

/** What the shell's inspector reads of an app (module-internal: Host.inspect). */
export let describeApp: (app: App, read: (producer: string, name: string) => unknown) => AppSnapshot;
/**
 * Tracks the query observers made as an app (module-internal: QueryObserver): counted for the
 * inspector, and detached when the app unmounts (the module ends them then).
 */
export let trackObserver: (app: App | undefined, observer: { detach(): void }, on: boolean) => void;
/** Throws size_limit when `app` holds MAX_SUBSCRIPTIONS subscriptions and observers (QueryObserver). */
export let observerRoom: (app: App | undefined) => void;
/**
 * Module subscription `sub` made as `app` through its face of the query client (a cache listener):
 * counted against its MAX_SUBSCRIPTIONS and ended at unmount. Returns its (idempotent) ender.
 */
export let ownAsApp: (app: App, sub: number) => Unsubscribe;
/**
 * Room for one more module handle `app` holds until something settles (a mutation under way):
 * throws size_limit when it holds MAX_SUBSCRIPTIONS, app_unmounted once it is unmounted; returns
 * the (idempotent) release. If the app unmounts first, `atEnd` is called then (oldest first), and
 * what it returns is called after all of them, newest first (query/room.ts: the mutations the
 * page cannot keep, abandoned in the module newest first, each found at the end of its lists, and
 * the ended apps' mutations whose places they took).
 */
export let holdAsApp: (app: App, atEnd: () => (() => void) | undefined) => () => void;
/**
 * As holdAsApp for a handle whose end the module reports once (a fetch in flight: its answer or
 * its abort, query/room.ts): `+1` takes room (throws size_limit as holdAsApp), `-1` gives it back.
 * No release function per fetch: a fetch is the package's hottest path.
 */
export let countAsApp: (app: App, delta: 1 | -1) => void;

/**
 * Most module subscriptions (watches, inspectors, timers, topic patterns, the store's subscription,
 * query observers, query cache listeners, mutations under way, fetches in flight) one app may hold at once.
 * The module's handle table has 2^20 indices; past them a new handle's index spilled into its
 * generation bits and decoded as an older handle, so a hostile app holding a million
 * subscriptions could end other apps' subscriptions with its own unsubscribers
 * (test/attacks.test.mjs, "a million subscriptions").
 */
export const MAX_SUBSCRIPTIONS = 1 << 16;

export class App {
  static {
    describeApp = (app, read) => app.#describe(read);
    trackObserver = (app, observer, on) => {
      if (!app) return;
      if (on) app.#queryObservers.add(observer);
      else app.#queryObservers.delete(observer);
      app.#recountOutside();
    };
    observerRoom = (app) => {
      if (app) app.#room();
    };
    ownAsApp = (app, sub) => app.#own(sub);
    countAsApp = (app, delta) => {
      if (delta > 0) app.#room();
      app.#held += delta;
      if (app.#host.outsidePageHost) app.#recountOutside();
    };
    holdAsApp = (app, atEnd) => {
      if (app.#released) throw new MfstateError("app_unmounted", `app "${app.#name}" is unmounted: its handle can no longer act`);
      app.#room();
      const hold = (): (() => void) | undefined => atEnd();
      app.#holding.add(hold);
      app.#recountOutside();
      return () => {
        if (app.#holding.delete(hold)) app.#recountOutside();
      };
    };
    pendingStatesOn((host) => {
      for (const app of unsynced) if (app.#host.handle === host) return true;
      return false;
    });
    syncApp = (app) => app.#sync();
    tellApp = (app) => app.#tellFast();
    reportLate = (app, thrown) => app.#reportListenerError(thrown);
    topicListenerThrew = (app, topic, thrown) => app.#topicListenerThrew(topic, thrown);
  }

  readonly #h: number;
  readonly #host: HostLink;
  /** The host's batch of fast-path work (#host.batch, read on every fast dispatch). */
  readonly #batch: FastBatch;
  readonly #name: string;
  readonly #version: string;
  #released = false;
  // The store's listeners, fanned out here from one subscription in the module.
  readonly #listeners = new Listeners<() => void>();
  /** Names the store's listeners in an AggregateError. */
  readonly #listenersWhat: string;
  #storeSub = 0;
  // Bus subscriptions, one in the module per pattern.
  readonly #topics = new Map<string, TopicGroup>();
  // For each topic: whether this app's emits on it are plain, as the module said at a count of
  // declarations (receivers null when not), and the groups they reach at a version of the mirror.
  readonly #plain = new Map<string, { declarations: number; version: number; receivers: readonly TopicGroup[] | null }>();
  #stateEpoch = 0;
  /**
   * The state the subscribers were last told while a hold was kept (see leavePlain in wasm.ts), or
   * NOT_KNOWN: its end tells them of the changes made under it, but not of one they heard already.
   */
  #toldState: unknown = NOT_KNOWN;
  #state: unknown;
  // The last state the fast path wrote into the module, and the copy the module made of it.
  #syncedState: unknown;
  #syncedTwin: unknown;
  #store: Store | undefined;
  // The fast path (see syncBeforeEntering above): the reducer as the module has it, whether the
  // store has middleware, whether #state is newer than the module's, dispatches made while the
  // fast path reduces or tells (run after, as the module queues them), and whether the state
  // changed since the subscribers were last told.
  #reducer: Reducer | undefined;
  #middleware = false;
  #unsynced = false;
  /** The fast path is running the reducer. */
  #reducing = false;
  readonly #queued: Queued[] = ownList();
  #changed = false;
  /** The fast path is telling the subscribers. */
  #telling = false;
  #client: QueryClient | undefined;
  // What the inspector shows: exports with their schemas, accepted commands, live counts.
  readonly #exposed = new Map<string, Schema | null>();
  readonly #accepted = new Map<string, boolean>();
  #acceptsAll = false;
  // For each command type: the apps this app's plain broadcast of it reaches, as the module said
  // at a count of the host's command changes (targets null when it is not plain).
  readonly #broadcasts = new Map<string, { commands: number; targets: readonly App[] | null }>();
  #watches = 0;
  readonly #queryObservers = new Set<{ detach(): void }>();
  // Module handles held until something settles (its fetches in flight): counted against
  // MAX_SUBSCRIPTIONS with #subs and #queryObservers, not ended at unmount (the module ends the
  // fetches running its own query functions then, which gives their room back).
  #held = 0;
  // Its own inspector subscriptions (App.inspect): while there is one, its dispatches go through
  // the module, which makes the events they see.
  #inspecting = 0;
  // Of its holdings (#subs, #queryObservers, #held), how many count against the page's bound for
  // what is outside the page's host (page_room.ts): all of them on such a host, none on the page's.
  #heldOutside = 0;
  // What it holds until it settles that is told of the unmount (its mutations under way; see
  // holdAsApp): counted with #held.
  readonly #holding = new Set<() => (() => void) | undefined>();
  // The enders of the module subscriptions this app holds: ended at unmount (the module's handle
  // table keeps an entry until it is ended by its handle, even once the app is gone) and counted
  // against MAX_SUBSCRIPTIONS.
  readonly #subs = new Set<() => void>();
  // Export reads, valid while the module has not run since (epoch).
  readonly #reads = new Map<string, { epoch: number; value: unknown }>();

  /** Not for users: apps come from Host.mount. */
  constructor(token: symbol, handle: number, host: HostLink, name: string, version: string) {
    if (token !== CONSTRUCT) throw new MfstateError("refused", "an App comes from host.mount(); it cannot be constructed");
    this.#h = handle;
    this.#host = host;
    this.#batch = host.batch;
    this.#name = name;
    this.#version = version;
    this.#listenersWhat = `listeners of app "${name}"`;
    // The shell calls the handle it gave a remote (app.unmount(), app.name): an own member the
    // remote defined on it would answer those calls instead (an unmount that does nothing).
    Object.freeze(this);
  }

  #describe(read: (producer: string, name: string) => unknown): AppSnapshot {
    let busListeners = 0;
    for (const g of this.#topics.values()) busListeners += g.listeners.size;
    const exports = [...this.#exposed].map(([name, schema]) => {
      try {
        return Object.freeze({ name, schema, value: read(this.#name, name) });
      } catch (e) {
        return Object.freeze({ name, schema, error: e instanceof Error ? e.message : String(e) });
      }
    });
    const accepts = [...this.#accepted.keys()];
    if (this.#acceptsAll) accepts.push("*");
    let handlers = 0;
    for (const h of this.#accepted.values()) if (h) handlers++;
    return Object.freeze({
      name: this.#name,
      version: this.#version,
      exports: Object.freeze(exports),
      accepts: Object.freeze(accepts),
      counts: Object.freeze({ subscriptions: this.#listeners.size + busListeners, watches: this.#watches, observers: this.#queryObservers.size, handlers }),
    });
  }

  /** The app's name. */
  get name(): string {
    return this.#name;
  }

  /** The version it was mounted with ("" when none). */
  get version(): string {
    return this.#version;
  }

  /** False once unmounted (or once its host is disposed). */
  get mounted(): boolean {
    if (this.#released || this.#host.handle === 0) return false;
    enter(false);
    try {
      check(api.mfs_app_mounted(this.#h));
      return result() as boolean;
    } finally {
      leave();
    }
  }

  /**
   * Releases everything the app held: its store and subscriptions, its exports (their watchers
   * are told they are gone), accepted commands, watches, bus subscriptions and queries it
   * observes. Mounting the name again afterwards works. Harmless when already unmounted.
   */
  unmount(): void {
    if (this.#released) return;
    // Refused now, before anything changes, where the module's release would be refused (from a
    // getter of a value being written, from a fast path's reducer): else the app would be gone here
    // and mounted there, and the shell's own unmount a no-op.
    if (this.#host.handle !== 0) refuseUnlessCallable();
    this.#released = true;
    this.#host.apps.delete(this);
    unsynced.delete(this);
    this.#unsynced = false;
    this.#queued.length = 0;
    this.#listeners.clear();
    const bus = this.#host.bus;
    bus.removeOwnedBy(this);
    this.#topics.clear();
    // Its declarations are withdrawn and its namespace is free: what the module said of emits changes.
    bus.declarations++;
    this.#host.commands++; // and its acceptances are withdrawn
    this.#exposed.clear();
    this.#accepted.clear();
    this.#watches = 0;
    for (const o of Array.from(this.#queryObservers)) o.detach();
    this.#queryObservers.clear();
    const subs = Array.from(this.#subs);
    this.#subs.clear();
    const holding = Array.from(this.#holding);
    this.#holding.clear();
    let releasing = this.#host.handle !== 0;
    try {
      if (!releasing) return;
      this.#releaseInModule(() => (releasing = false)); // ran (whatever the module said)
    } finally {
      // The release ended them in the module; ending them by handle frees their table entries.
      for (const end of subs) end();
      // Room outside the page's host (page_room.ts): the app itself, and what it no longer holds.
      if (this.#host.outsidePageHost) {
        releaseOutside();
        this.#recountOutside();
      }
      this.#endHolding(holding);
      // The call could not start (no stack left): the module still has the app. Released in a
      // microtask, with the stack this turn's caller had used up given back.
      if (releasing) {
        queueMicrotask(() => {
          if (this.#host.handle === 0) return;
          try {
            this.#releaseInModule();
          } catch (e) {
            if (e instanceof MfstateError) this.#host.report(e);
          }
        });
      }
    }
  }

  /**
   * Tells what the app held until it settled (its mutations under way) that the app ended: each
   * stays (an ended app's mutation the page keeps) or gives what ends it, run newest first. The
   * module's refusal of one (an MfstateError) is reported, and the others still end.
   */
  #endHolding(holding: ReadonlyArray<() => (() => void) | undefined>): void {
    const ends: Array<() => void> = [];
    for (const atEnd of holding) {
      const end = atEnd();
      if (end !== undefined) ends.push(end);
    }
    for (let i = ends.length - 1; i >= 0; i--) {
      try {
        ends[i]();
      } catch (e) {
        if (e instanceof MfstateError) this.#host.report(e);
        else throw e;
      }
    }
  }

  /** Ends the app in the module; `ran` is told once the call has run, whatever it said. */
  #releaseInModule(ran?: () => void): void {
    enter();
    try {
      check(api.mfs_app_release(this.#h));
    } finally {
      ran?.();
      leave();
    }
  }

  /**
   * Throws size_limit when the app holds MAX_SUBSCRIPTIONS module subscriptions already, or, on a
   * host other than the page's, when all that is outside the page's host holds its bound.
   */
  #room(): void {
    const held = this.#handlesHeld();
    if (held >= MAX_SUBSCRIPTIONS) {
      throw new MfstateError(
        "size_limit",
        `app "${this.#name}" holds ${held} subscriptions (watches, inspectors, timers, topic patterns, query observers, cache listeners, mutations under way, fetches in flight): end some first`,
      );
    }
    if (this.#host.outsidePageHost) checkOutside(`app "${this.#name}" of a host other than the page's`);
  }

  /** On a host other than the page's: brings the page's count of this app's holdings up to date. */
  /** Every module handle the app holds now: what MAX_SUBSCRIPTIONS and the page's room count. */
  #handlesHeld(): number {
    return this.#subs.size + this.#queryObservers.size + this.#held + this.#holding.size;
  }

  #recountOutside(): void {
    if (!this.#host.outsidePageHost) return;
    const held = this.#handlesHeld();
    releaseOutside(this.#heldOutside - held);
    this.#heldOutside = held;
  }

  /** Tracks module subscription `sub` as this app's; returns its (idempotent) ender. */
  #own(sub: number, onEnd?: () => void): Unsubscribe {
    const end = unsubscriber(sub);
    let ended = false;
    const ender = (): void => {
      end(); // first: when it is refused, nothing here has changed
      this.#subs.delete(ender);
      this.#recountOutside();
      if (!ended) {
        ended = true;
        onEnd?.();
      }
    };
    this.#subs.add(ender);
    this.#recountOutside();
    return ender;
  }

  #handle(): number {
    if (this.#released || this.#host.handle === 0) {
      throw new MfstateError("app_unmounted", `app "${this.#name}" is unmounted: its handle can no longer act`);
    }
    return this.#h;
  }

  // ---- own state ----

  /**
   * Creates the app's store (once). The reducer is Redux's `(state, action) => state`; middleware
   * are Redux middleware. Returns a Redux-shaped store bound to this app. The initial state is
   * copied: the object passed is not frozen or kept.
   */
  createStore<S>(initial: S, reducer: Reducer<S>, middleware: ReadonlyArray<Middleware<S>> = []): Store<S> {
    const h = this.#handle();
    plain(reducer, "a reducer");
    if (this.#store) throw new MfstateError("invalid_argument", `app "${this.#name}" already has a store`);
    const name = this.#name;
    // Checked (and copied) before anything is staged: a middleware refused after the initial state
    // was staged left that state on the module's stage stack for good (a hostile app grew the heap
    // without bound by retrying createStore with a bad middleware; test/attacks.test.mjs).
    const mws = Array.from(middleware);
    for (const m of mws) plain(m, "a middleware");
    let twin: unknown;
    enter();
    try {
      callWith(() => {
        const reducerId = reducerFn(name, reducer as Reducer, this);
        twin = stageTwinned(initial);
        const ids = mws.map((m) => middlewareFn(m as Middleware));
        begin();
        for (const id of ids) writeValue(id);
        stage(ids.length);
        check(api.mfs_app_create_store(h, reducerId, ids.length));
      });
    } finally {
      this.#host.commands++; // a broadcast to an app without a store is refused
      leave();
    }
    this.#reducer = reducer as Reducer;
    this.#middleware = mws.length !== 0;
    // The state is the initial value's twin until something changes it: known without asking (a
    // fast dispatch from another store's reducer must not have to call in for it).
    if (typeof twin === "object" && twin !== null) {
      this.#state = twin;
      this.#stateEpoch = epoch;
    }
    const store: Store<S> = Object.freeze({
      getState: (): DeepReadonly<S> => this.getState<S>(),
      dispatch: <A extends Action>(action: A): A => this.dispatch(action),
      subscribe: (listener: () => void): Unsubscribe => this.subscribe(listener),
      replaceReducer: (next: Reducer<S>): void => this.replaceReducer(next),
    });
    this.#store = store;
    return store;
  }

  /** The app's store (throws no_store before createStore). */
  get store(): Store {
    if (!this.#store) throw new MfstateError("no_store", `app "${this.#name}" has no store: call createStore first`);
    return this.#store;
  }

  /** The app's state: deeply frozen, the same object until it changes. */
  getState<S = unknown>(): DeepReadonly<S> {
    // Unsynced: the fast path's state is the store's until it is written into the module.
    if (this.#stateEpoch === epoch || this.#unsynced) return this.#state as DeepReadonly<S>;
    const h = this.#handle();
    enter(false);
    try {
      check(api.mfs_app_state(h));
      this.#state = this.#ownState(result());
    } finally {
      leave();
    }
    this.#stateEpoch = epoch;
    return this.#state as DeepReadonly<S>;
  }

  /** The module's state as this app hands it out: the state it synced, for the copy the module holds of it. */
  #ownState(twin: unknown): unknown {
    return twin === this.#syncedTwin && twin !== undefined ? this.#syncedState : twin;
  }

  /**
   * Dispatches to the app's own store (middleware, then the reducer). A dispatch made while the
   * store is busy is queued, never recursive. A reducer that throws leaves the state unchanged:
   * MfstateError reducer_error, with what it threw as the cause. Returns the action.
   */
  dispatch<A extends Action>(action: A): A {
    const h = this.#handle();
    const a = checkAction(action);
    if (this.#reducing || this.#telling) {
      // From the reducer or a subscriber of a fast-path dispatch: runs once it is done.
      this.#host.tx.queue(this.#queued, a);
      // A call into the module before then (from a subscriber) runs it first, in order.
      if (this.#telling) this.#pending();
      return action;
    }
    if (this.#fastAllowed() && isJson(a.payload) && isJson(a.meta)) {
      const batch = this.#batch;
      batch.depth++;
      let done: boolean;
      try {
        done = this.#reduceFast(a);
        if (done && this.#queued.length !== 0) this.#drainQueued();
      } finally {
        batch.depth--;
      }
      if (done) {
        if (this.#changed && batch.depth === 0 && batch.head === batch.end) {
          // Queued first, by assignment (willTell's work when nothing waits): a call failing at the
          // edge of the stack leaves it to be told at the end of the turn, never untold.
          batch.toTell[batch.end++] = this;
          this.#tellFirst();
        } else {
          if (this.#changed) willTell(batch, this);
          if (batch.depth === 0 && batch.head < batch.end) tellBatch(batch);
        }
        return action;
      }
    }
    this.#dispatchInModule(h, a);
    return action;
  }

  /** Marks this app as having something for the module before its next call (see #sync). */
  #pending(): void {
    unsynced.add(this);
    syncBeforeEntering(syncAll);
  }

  #dispatchInModule(h: number, a: Action): void {
    enter();
    const token = beginDispatch(a);
    try {
      writeValues(a.type, a.payload, a.meta);
      check(api.mfs_app_dispatch(h, token));
    } finally {
      endDispatch();
      leave();
    }
  }

  #fastAllowed(): boolean {
    return (
      this.#reducer !== undefined &&
      !broadcasting &&
      !this.#middleware &&
      this.#exposed.size === 0 &&
      // An inspector that sees this store's actions: the shell's, or this app's own. Another app's
      // sees none of them: counted here, one app's inspect() sent every app's dispatch through the
      // module (a dispatch 138 -> 855 ns, test/attack-inspect-fast-path.test.mjs).
      this.#host.hostInspectors === 0 &&
      this.#inspecting === 0 &&
      // A fast reducer running while this host has no batch under way is another host's (a host's
      // fast reducers run inside its batch, or in a broadcast, which makes nothing fast; or it is
      // a count a failure at the edge of the stack left raised, which refuses every call into the
      // module until the turn ends, and now this dispatch with them). Fast here, this store's
      // subscribers would be told at once, inside that reducer, where their calls into the module
      // are refused and make that reducer step aside: its action runs again through the module,
      // and this dispatch with it, twice in all. Through the module instead, this dispatch is
      // refused before it does anything, and runs once, in the module's order (test/review-
      // broadcast.test.mjs, "a fast reducer dispatching into another host's store").
      (this.#batch.depth !== 0 ? idle() : idleOutsideReducers()) &&
      !this.#released &&
      this.#host.handle !== 0
    );
  }

  /**
   * Runs the reducer without the module. False when it threw or returned what cannot be state:
   * nothing changed, and the module's path runs the action again to report exactly why (a reducer
   * is pure, as Redux requires, so running it again is safe).
   */
  #reduceFast(a: Action): boolean {
    const next = this.#nextState(a);
    if (next === REFUSED) return false;
    if (next !== UNCHANGED) this.#adopt(next);
    return true;
  }

  /**
   * What the reducer makes of the state and `a`, checked and frozen (adoptState), without making
   * it the state: UNCHANGED when it returned the state itself, REFUSED when it threw, called into
   * the module or returned what cannot be state (what it queued is dropped: the module's path
   * runs the action again, and that queues it again).
   */
  #nextState(a: Action): unknown {
    const prev = this.getState();
    const queued = this.#queued.length;
    let next: unknown;
    takeSteppedAside();
    this.#reducing = true;
    fastReducer(1);
    try {
      next = this.#reducer!(prev as never, a);
    } catch {
      this.#queued.length = queued; // the run that reports will queue them again
      return REFUSED;
    } finally {
      // Assignments before the call: a call failing here (at the edge of the stack, where a
      // hostile sender calls on purpose) left the store reducing for good, every later dispatch
      // of its own queued and never run. A count left raised is put right at the turn's end.
      this.#reducing = false;
      fastReducer(-1);
    }
    // It called into the module and was refused (see fastReducer), even if it caught that: the
    // module's path runs the action, and that call, once, in the module's order.
    if (takeSteppedAside()) {
      this.#queued.length = queued;
      return REFUSED;
    }
    if (next === prev) return UNCHANGED; // as the module: no change and nobody told
    if (!adoptState(next)) {
      this.#queued.length = queued;
      return REFUSED;
    }
    return next;
  }

  /** Makes `next` (from #nextState) the state, to be written into the module before it next runs. */
  #adopt(next: unknown): void {
    this.#state = next;
    this.#stateEpoch = epoch;
    this.#changed = true;
    if (!this.#unsynced) {
      this.#unsynced = true;
      unsynced.add(this);
    }
    syncBeforeEntering(syncAll); // every time: an assignment, and nothing can leave it disarmed unseen
  }

  /** Runs the dispatches queued meanwhile, fast when it still may, else through the module. */
  #drainQueued(): void {
    while (this.#queued.length !== 0 && !this.#released) {
      const a = takeFirst(this.#queued)!;
      if (typeof a !== "function" && this.#fastAllowed() && isJson(a.payload) && isJson(a.meta) && this.#reduceFast(a)) continue;
      try {
        this.#runQueued(a);
      } catch (e) {
        // Its dispatcher has returned: the shell hears it, as the module reports a queued one.
        if (e instanceof MfstateError) this.#host.report(e);
        else throw e;
      }
    }
    if (this.#queued.length !== 0) this.#queued.length = 0;
  }

  /**
   * Tells the subscribers, as the module's store does: once, after the dispatch; what they
   * dispatch waits for the round to end, then runs, and they are told again. What they throw goes
   * to the shell as one listener_error.
   */
  #tellFast(): void {
    if (this.#changed && !this.#released) {
      // Read before clearing: `size` is a call, which can fail at the edge of the stack.
      const subscribed = this.#listeners.size !== 0;
      this.#changed = false;
      if (subscribed) {
        this.#telling = true;
        listenersCalled = false;
        // The state told, for the end of a kept hold (see #toldState): known when read since the
        // module last changed, or after the subscribers read it.
        this.#toldState = holdKept && (this.#stateEpoch === epoch || this.#unsynced) ? this.#state : NOT_KNOWN;
        try {
          notifyStore(this.#listeners, this.#listenersWhat);
          if (holdKept && this.#toldState === NOT_KNOWN && this.#stateEpoch === epoch) this.#toldState = this.#state;
        } catch (e) {
          // notifyStore failed before calling a subscriber (no stack left, at the edge where a
          // hostile sender calls on purpose): still changed, and told again (tellBatch puts it
          // back). A report failing there once they were called tells nobody twice.
          if (!listenersCalled) {
            this.#changed = true;
            listenersCalled = true; // for a #tellFast this one ran inside (see listenersCalled)
            throw e;
          }
          try {
            this.#reportListenerError(e);
          } catch {
            // No stack to report it here: at the end of the turn (assignments only).
            lateReports[lateReports.length] = this;
            lateReports[lateReports.length] = e;
          }
        } finally {
          this.#telling = false;
        }
      }
    }
    // Outside the test above: a telling cut short after its subscribers ran is taken up again with
    // this store no longer changed, and what they dispatched still to run.
    if (this.#queued.length !== 0 && !this.#released) this.#drainQueued();
    // Changed again by what its subscribers dispatched: told again after the other stores of the
    // batch, as the module's batch takes a store changed during its round.
    if (this.#changed && !this.#released) willTell(this.#batch, this);
    else this.#changed = false;
  }

  /**
   * tellBatch() for a batch whose first item is this store (dispatch queued it, nothing else was
   * waiting), calling it directly rather than through the loop's checks and tellApp (W1: about
   * 10 ns of 275). It is taken and put back as tellBatch takes and puts back an item.
   */
  #tellFirst(): void {
    const batch = this.#batch;
    batch.depth++;
    let inFlight = true;
    try {
      batch.toTell[batch.head++] = undefined;
      this.#tellFast();
      inFlight = false;
    } finally {
      if (inFlight) batch.toTell[--batch.head] = this;
      if (batch.head === batch.end) batch.head = batch.end = 0;
      batch.depth--;
    }
    // What its subscribers changed meanwhile: told in the same batch, after it, as tellBatch goes on.
    if (batch.head < batch.end) tellBatch(batch);
  }

  #reportListenerError(e: unknown): void {
    this.#host.report(new MfstateError("listener_error", `a subscriber of app "${this.#name}" threw: ${messageOf(e)}`, { cause: e }));
  }

  /** Runs a queued dispatch (or replaceReducer) through the module. */
  #runQueued(a: Queued): void {
    if (typeof a === "function") a();
    else this.#dispatchInModule(this.#handle(), a);
  }

  // A subscriber's dispatches wait for the round to end; a call into the module a subscriber makes
  // meanwhile (a message whose listener sends this app a command) comes after them, as the module
  // orders them: they go through the module first.
  #runQueuedFirst(): void {
    if (!this.#telling || this.#queued.length === 0 || this.#released) return;
    const items = ownList<Queued>();
    while (this.#queued.length !== 0) append(items, takeFirst(this.#queued)!);
    for (let i = 0; i < items.length; i++) {
      try {
        this.#runQueued(items[i]);
      } catch (e) {
        if (e instanceof MfstateError) this.#host.report(e);
      }
    }
  }

  /**
   * Writes the state the fast path made into the module (see syncBeforeEntering). Throws only when
   * the write failed for want of stack: the state stays pending. Any other failure can only come
   * from the state itself (a getter or Proxy trap of the app's own that answers differently the
   * second time, or throws): the module keeps the state it had, and the shell hears why.
   */
  #sync(): void {
    if (!this.#unsynced || this.#released || this.#host.handle === 0) {
      unsynced.delete(this);
      this.#unsynced = false;
      this.#runQueuedFirst();
      return;
    }
    let failed: unknown;
    let threw = false;
    try {
      syncing = { app: this, state: this.#state };
      enter();
      const token = beginDispatch(SYNC_ACTION);
      try {
        writeValues(SYNC_ACTION.type, undefined, undefined);
        check(api.mfs_app_dispatch(this.#h, token));
        // The module holds a copy (writeResult): what it hands out from now is that copy, which
        // getState maps back to the state this app already has, so its identity does not change.
        check(api.mfs_app_state(this.#h));
        this.#syncedTwin = result();
        this.#syncedState = syncing.state;
      } finally {
        endDispatch();
        leave();
      }
    } catch (e) {
      threw = true;
      failed = e;
    } finally {
      syncing = null;
    }
    if (threw && isStackOverflow(failed) && !stackHasRoom()) throw failed;
    unsynced.delete(this);
    this.#unsynced = false;
    this.#runQueuedFirst();
    if (threw) {
      this.#stateEpoch = 0; // the module's state is the store's again
      this.#host.report(failed instanceof MfstateError ? failed : new MfstateError("reducer_error", "the state of app \"" + this.#name + "\" could not be written into mfstate", { cause: failed }));
    }
  }

  /**
   * Calls `listener` after each change of the app's state (once per outermost operation, after it
   * ends). Unsubscribing during a notification is safe: an unsubscribed listener is not called.
   */
  subscribe(listener: () => void): Unsubscribe {
    plain(listener, "a listener");
    const h = this.#handle();
    if (this.#storeSub === 0) {
      enter(false);
      try {
        callWith(() => {
          const id = fn(() => {
            // A fast-path state written into the module: its subscribers were told when it was made,
            // and getState keeps handing out that state (see #sync).
            if (syncing !== null && syncing.app === this) return;
            // The state the subscribers are told about: what getState returns until the module runs again.
            this.#state = this.#ownState(readValue());
            this.#stateEpoch = epoch;
            // A change a plain delivery's listener made under a hold its batch kept (see
            // leavePlain), heard when the batch reached the point that delivery ended at: a store
            // the batch told after the change was told this state already, as the module's batch
            // tells a store once for the changes made before its turn.
            if (endingKeptHold && this.#state === this.#toldState) return;
            // The module changed the store inside its host's batch of fast-path work (a command a
            // subscriber or a reducer caused, a replaceReducer run after the reducer): the
            // subscribers hear of it with the batch, once, after it — never inside a round. Another
            // host's batch is no reason to wait: the module's Batcher of this host has none under way.
            if (this.#batch.depth !== 0 || this.#telling) {
              this.#changed = true;
              if (!this.#telling) willTell(this.#batch, this);
              return;
            }
            // Told now: a fast-path change still marked (a fast attempt that stepped aside for the
            // module's path) is told by this same notification, not once more later.
            this.#changed = false;
            this.#notify();
          });
          check(api.mfs_app_subscribe(h, id));
          this.#storeSub = result() as number;
          this.#own(this.#storeSub);
        });
      } finally {
        leave();
      }
    }
    // A function may subscribe twice (Redux allows it): each subscription is its own entry.
    const entry = entryFor(this.#listeners, listener);
    this.#listeners.add(entry);
    return once(() => {
      this.#listeners.delete(entry);
    });
  }

  #notify(): void {
    if (this.#listeners.size !== 0) notifyStore(this.#listeners, this.#listenersWhat);
  }

  /** Swaps the reducer (hot reload) and dispatches {type: "mfstate/replace"}. */
  replaceReducer<S>(reducer: Reducer<S>): void {
    const h = this.#handle();
    plain(reducer, "a reducer");
    if (this.#reducing) {
      // From the reducer itself: the module would swap it once the action is reduced (queued
      // here, the reducer runs once; refused as other calls are, it would run twice).
      this.#host.tx.queue(this.#queued, () => this.replaceReducer(reducer));
      return;
    }
    const name = this.#name;
    enter();
    try {
      callWith(() => check(api.mfs_app_replace_reducer(h, reducerFn(name, reducer as Reducer, this))));
    } catch (e) {
      // The module may hold the new reducer or the old one now: only its path knows which.
      this.#reducer = undefined;
      throw e;
    } finally {
      leave();
    }
    this.#reducer = reducer as Reducer;
  }

  // ---- exports ----

  /**
   * Publishes a named view of this app's state: `selector(state)` (memoised on the state's
   * identity). Others read it with read/watch; nobody reads the store itself.
   */
  expose<S = any, T = unknown>(name: string, selector: (state: DeepReadonly<S>) => T, options: ExposeOptions = {}): void {
    const h = this.#handle();
    plain(selector, "an export selector");
    const schema = own(options, "schema") ?? null;
    enter();
    try {
      callWith(() => {
        const id = fn(() => {
          const state = readValue();
          const v = selector(state as DeepReadonly<S>);
          stageValues(v);
        });
        stageValues(name, schema);
        check(api.mfs_app_expose(h, id));
      });
    } finally {
      leave();
    }
    this.#exposed.set(name, schema);
  }

  /** Withdraws an export (its watchers are told it is gone). */
  unexpose(name: string): void {
    const h = this.#handle();
    enter();
    try {
      stageValues(name);
      check(api.mfs_app_unexpose(h));
    } finally {
      leave();
    }
    this.#exposed.delete(name);
  }

  /**
   * The current value of `app`'s export `name`: deeply frozen, the same object while it is
   * unchanged. Throws unknown_app, not_exported, schema_violation.
   */
  read<T = unknown>(app: string, name: string): DeepReadonly<T> {
    const h = this.#handle();
    // An export changes only when the module runs: a read with nothing run since is the last one.
    const memoKey = app + "\u0000" + name;
    const memo = this.#reads.get(memoKey);
    if (memo !== undefined && memo.epoch === epoch) return memo.value as DeepReadonly<T>;
    let value: unknown;
    enter(false);
    try {
      stageValues(app, name);
      check(api.mfs_app_read(h));
      value = result();
    } finally {
      leave();
    }
    if (this.#reads.size > 1024) this.#reads.clear();
    this.#reads.set(memoKey, { epoch, value });
    return value as DeepReadonly<T>;
  }

  /**
   * Calls `callback` with the export's value now (if it exists), once per change of the value, and
   * with kind "removed" when it goes. Works before `app` mounts. Ends at unmount at the latest.
   */
  watch<T = unknown>(app: string, name: string, callback: (event: ExportEvent<T>) => void, options: WatchOptions = {}): Unsubscribe {
    const h = this.#handle();
    plain(callback, "a watch callback");
    this.#room();
    let sub = 0;
    enter();
    try {
      callWith(() => {
        const id = fn(() => {
          const producer = readValue() as string;
          const exportName = readValue() as string;
          const kind = readValue() as "value" | "removed";
          const value = readValue();
          callback(Object.freeze({ app: producer, name: exportName, kind, value: kind === "removed" ? undefined : value }) as ExportEvent<T>);
        });
        stageValues(app, name, own(options, "expectations") ?? null);
        check(api.mfs_app_watch(h, id));
        sub = result() as number;
      });
    } finally {
      leave();
    }
    this.#watches++;
    const end = this.#own(sub);
    let ended = false;
    return () => {
      if (!ended) {
        ended = true;
        this.#watches--;
      }
      end();
    };
  }

  // ---- commands ----

  /**
   * Accepts command `type` from other apps (optionally with a payload schema and a handler;
   * without a handler the command enters the reducer). Re-accepting replaces.
   */
  accept(type: string, options: AcceptOptions = {}): void {
    const h = this.#handle();
    const handler = own(options, "handler");
    if (handler !== undefined) plain(handler, "a command handler");
    const frames = this.#host.tx;
    enter();
    try {
      callWith(() => {
        const id = handler
          ? fn(() => {
              const action = readAction();
              const from = readValue() as string;
              try {
                // The module runs a handler in a transaction of its own (Commands::apply).
                frames.run(() => {
                  handler(action, from);
                  return true;
                });
              } catch (e) {
                noteThrown(e, this.#name);
                throw e;
              }
            })
          : 0;
        stageValues(type, own(options, "schema") ?? null);
        check(api.mfs_app_accept(h, id));
      });
    } finally {
      this.#host.commands++; // who a broadcast reaches, and how, may have changed
      leave();
    }
    this.#accepted.set(type, handler !== undefined);
  }

  /**
   * Accepts every command type into the reducer. A last resort for migrating an app written for a
   * shared store: it gives up the app's say over what others may ask of it.
   */
  acceptAll(): void {
    const h = this.#handle();
    enter();
    try {
      check(api.mfs_app_accept_all(h));
    } finally {
      this.#host.commands++;
      leave();
    }
    this.#acceptsAll = true;
  }

  /**
   * Sends `action` to `app` as this app. Throws unknown_app, command_not_accepted, schema_violation
   * (the target is unchanged), no_store, reducer_error.
   */
  send(app: string, action: Action): void {
    const h = this.#handle();
    const a = checkAction(action);
    enter();
    try {
      stageAction(a, app);
      check(api.mfs_app_send(h));
    } catch (e) {
      throw asSeenBy(e, this.#name);
    } finally {
      leave();
    }
  }

  /**
   * Sends `action` to every mounted app that accepts its type (this one included), all or nothing.
   * Returns how many received it.
   */
  broadcast(action: Action): number {
    const h = this.#handle();
    const a = checkAction(action);
    const reached = this.#broadcastFast(a.type, a.payload, a.meta);
    if (reached >= 0) return reached;
    enter();
    try {
      writeValues(a.type, a.payload, a.meta);
      // The module runs a broadcast that can fail in a transaction (all or nothing).
      let status = -1;
      this.#host.tx.run(() => (status = api.mfs_app_broadcast(h)) >= 0);
      check(status);
      return result() as number;
    } catch (e) {
      throw asSeenBy(e, this.#name);
    } finally {
      leave();
    }
  }

  /**
   * Runs a broadcast in JavaScript when nothing but its receivers' reducers and subscribers can
   * observe it, as the module runs it: each receiver's reducer gets a frozen copy of the action,
   * in the module's order, all or nothing; then each changed store's subscribers are told once,
   * in that order. A broadcast is plain when the module says so (#broadcastTargets) and every
   * receiver's store is on its fast path (#fastAllowed) and idle. Returns how many apps it
   * reached, or -1 for the module's path (which, when a reducer failed here, runs them all again
   * and reports why: reducers are pure).
   */
  #broadcastFast(type: unknown, payload: unknown, meta: unknown): number {
    // An inspector that hears it: the shell's, the sender's (a target's: #fastAllowed below).
    if (typeof type !== "string" || this.#batch.depth !== 0 || this.#host.hostInspectors !== 0 || this.#inspecting !== 0 || !idleOutsideReducers()) return -1;
    const targets = this.#broadcastTargets(type);
    if (targets === null) return -1;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (!t.#fastAllowed() || t.#reducing || t.#telling || t.#queued.length !== 0) return -1;
    }
    if (targets.length === 0) return 0;
    const action = receivedCopy(type, payload, meta);
    if (action === IN_DOUBT) return -1;
    const states = broadcastStates;
    const saved = broadcastSaved;
    const savedEpochs = broadcastSavedEpochs;
    let ran = 0;
    broadcasting = true;
    try {
      for (; ran < targets.length; ran++) {
        const t = targets[ran];
        // Each receiver its own action object, as the module hands each one (the payload and meta
        // are one frozen copy on both paths): one receiver's action is not another's. Without
        // payload and meta, frozenAction gives the one cached action of its type, on both paths.
        const next = t.#nextState(ran === 0 ? action : frozenAction(type, action.payload ?? null, action.meta ?? null));
        // A reducer's own dispatch would run after the broadcast: the module's path orders it.
        if (next === REFUSED || t.#queued.length !== 0) break;
        states[ran] = next;
        // Seen as the receiver's state by the reducers still to run, as in the module's transaction.
        saved[ran] = t.#state;
        savedEpochs[ran] = t.#stateEpoch;
        if (next !== UNCHANGED) {
          t.#state = next;
          t.#stateEpoch = epoch;
        }
      }
    } finally {
      broadcasting = false;
      // Whatever ended the loop, the receivers that have run hold what they held again: put back
      // by assignments written out here, not by a call, which could fail at the edge of the stack
      // (see the commit below).
      if (ran !== targets.length) {
        for (let i = 0; i < ran; i++) {
          targets[i].#state = saved[i];
          targets[i].#stateEpoch = savedEpochs[i];
          saved[i] = undefined;
        }
      }
    }
    if (ran !== targets.length) {
      for (let i = 0; i < targets.length; i++) {
        targets[i].#queued.length = 0;
        states[i] = undefined;
      }
      return -1;
    }
    // The commit, in two steps. A call can fail anywhere for want of stack (a hostile sender calls
    // from the edge of it on purpose; a function V8 compiles or deoptimizes there needs more than
    // it did a moment ago): between two receivers' commits, that left one receiver changed and
    // another not, or one changed and never told. So first what calls, the states put back if any
    // of it fails (a failure leaves stores queued to be told that have nothing to tell, and listed
    // as newer than the module that are not: both harmless); then the rest, by assignments alone.
    let queued = false;
    try {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i];
        if (states[i] === UNCHANGED && !t.#changed) continue;
        willTell(t.#batch, t);
        if (states[i] !== UNCHANGED && !t.#unsynced) unsynced.add(t);
      }
      syncBeforeEntering(syncAll);
      queued = true;
    } finally {
      for (let i = 0; i < targets.length; i++) {
        if (!queued) {
          targets[i].#state = saved[i];
          targets[i].#stateEpoch = savedEpochs[i];
        }
        saved[i] = undefined;
      }
    }
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const next = states[i];
      states[i] = undefined;
      if (next === UNCHANGED) continue;
      // #adopt's work, written out (no call): the state is the receiver's since its reducer ran,
      // the subscribers are queued above, the state is written into the module before it next
      // runs (syncAll).
      t.#changed = true;
      t.#unsynced = true;
    }
    // What this cannot tell now (no stack left) is told at the end of the turn (atTurnEnd). The
    // receivers are this host's apps: their batch is this app's.
    const batch = this.#batch;
    if (batch.head < batch.end) tellBatch(batch);
    return targets.length;
  }

  /**
   * The apps a plain broadcast of `type` reaches in the module's order, or null when it is not
   * plain (App::plain_broadcast_targets): the module's answer, kept until a mount, an unmount, an
   * acceptance or a store may change it.
   */
  #broadcastTargets(type: string): readonly App[] | null {
    const link = this.#host;
    const known = this.#broadcasts.get(type);
    if (known !== undefined && known.commands === link.commands) return known.targets;
    if (holdsSurrogate(type)) return null; // the module would hold another type: its path
    const commands = link.commands;
    let targets: App[] | null = null;
    enter(false);
    try {
      stageValues(type);
      check(api.mfs_app_broadcast_targets(this.#h));
      const n = result() as number;
      if (n >= 0) {
        targets = ownList();
        for (let i = 0; i < n; i++) {
          const app = App.#mountedApp(link, readValue() as string);
          // Unmounted here while its release waits (App.unmount): the module's path, not kept.
          if (app === undefined) return null;
          append(targets, app);
        }
      }
    } catch {
      return null; // the module's path says why
    } finally {
      leave();
    }
    // What ran meanwhile (work queued for the outermost leave) may have changed the answer.
    if (link.commands !== commands || this.#released || !idleOutsideReducers() || link.hostInspectors !== 0 || this.#inspecting !== 0) return null;
    if (this.#broadcasts.size >= MAX_PLAIN_TOPICS) this.#broadcasts.clear();
    this.#broadcasts.set(type, { commands, targets });
    return targets;
  }

  /** The app of `name` mounted on `link` that JavaScript still holds (undefined if none). */
  static #mountedApp(link: HostLink, name: string): App | undefined {
    for (const app of link.apps) if (app.#name === name && !app.#released) return app;
    return undefined;
  }

  // ---- bus ----

  /**
   * Declares `topic` as this app's (a schema its payloads must satisfy, replay to new subscribers).
   * An app declares topics in its own namespace ("<name>/..."); the shell's platform app declares
   * shared ones anywhere. Only the declarer (or the platform) may change it; it is withdrawn at
   * unmount. Throws forbidden (another app's namespace or declaration), invalid_argument.
   */
  declare(topic: string, options: TopicOptions = {}): void {
    const h = this.#handle();
    enter();
    try {
      stageValues(topic, own(options, "schema") ?? null, own(options, "replay") === true);
      check(api.mfs_app_declare(h));
    } finally {
      this.#host.bus.declarations++; // a schema, a replay or a shared topic makes emits on it not plain
      leave();
    }
  }

  /**
   * Subscribes to a topic or pattern ("cart/*": one segment, "cart/**": one or more). A listener
   * that throws does not stop the others (its error goes to the shell's error handler).
   */
  on<T = unknown>(pattern: string, listener: TopicListener<T>): Unsubscribe {
    const h = this.#handle();
    plain(listener, "a topic listener");
    // One subscription in the module per pattern; its listeners are told from a snapshot (one
    // subscribed during a delivery hears the next message; one unsubscribed is not called).
    let group = this.#topics.get(pattern);
    const entry = entryFor(group?.listeners, listener as (payload: unknown, topic: string) => void);
    if (group === undefined) {
      this.#room();
      const g: TopicGroup = {
        pattern: typeof pattern === "string" ? asModuleHoldsIt(pattern) : "", // the module refuses a non-string
        live: false,
        owner: this,
        app: this.#name,
        sub: 0,
        end: undefined,
        listeners: new Listeners(),
        what: `listeners of "${pattern}" in app "${this.#name}"`,
      };
      // Listening before subscribing: a replayed topic delivers its last payload inside the call.
      g.listeners.add(entry);
      const bus = this.#host.bus;
      // Entered first: a call refused there (from a getter of a value being written, from a fast
      // path's reducer) must leave nothing in the mirror, where plain messages would reach it.
      enter();
      try {
        // Mirrored before the module subscribes: a subscription made from inside the call (by a
        // replayed message's listener) comes after this one there too.
        bus.add(g);
        callWith(() => {
          const id = fn(() => {
            const topic = readValue() as string;
            const payload = readValue();
            deliver(g.listeners, payload, topic, g.what);
          });
          stageValues(pattern);
          check(api.mfs_app_on(h, id));
          g.sub = result() as number;
          g.end = this.#own(g.sub);
        });
        // Here, not after leave: a leave that fails at the edge of the stack must not leave a group
        // the mirror delivers to that the app does not know of (unmount ends what it knows).
        this.#topics.set(pattern, g);
      } catch (e) {
        g.listeners.delete(entry);
        bus.remove(g);
        throw e;
      } finally {
        leave();
      }
      group = g;
    } else {
      group.listeners.add(entry);
    }
    const g = group;
    return once(() => {
      if (!g.listeners.delete(entry) || g.listeners.size !== 0) return;
      if (this.#topics.get(pattern) === g) this.#topics.delete(pattern);
      this.#host.bus.remove(g);
      (g.end ?? unsubscriber(g.sub))();
    });
  }

  /** Publishes `payload` on `topic` as this app (validated against the topic's schema). */
  emit(topic: string, payload: unknown): void {
    const h = this.#handle();
    // A plain message (only its subscribers can observe it, see App::emit_is_plain) goes to them
    // without crossing into the module: the receivers are the mirror's, the payload a frozen copy.
    // Not when an inspector hears it: the shell's or this app's. A receiving app's own hears only
    // its listeners' errors, told to it when one throws (#topicListenerThrew); another app's
    // hears nothing of it. Counted here, one app's inspect() sent every app's emits through the
    // module; a receiver's, every emit it received.
    const link = this.#host;
    if (typeof topic === "string" && link.hostInspectors === 0 && this.#inspecting === 0 && idleOutsideReducers()) {
      const receivers = this.#plainReceivers(topic);
      if (receivers !== null) {
        const copy = plainCopy(payload);
        if (copy !== IN_DOUBT) {
          if (receivers.length === 0) return;
          // The receivers are this host's: delivered now unless this host's batch is under way.
          const batch = this.#batch;
          if (batch.depth === 0) deliverPlain(this.#host, receivers, topic, copy);
          else batch.toTell[batch.end++] = new PlainDelivery(this.#host, receivers, topic, copy);
          return;
        }
      }
    }
    enter();
    try {
      writePair(topic, payload);
      check(api.mfs_app_emit(h));
    } finally {
      leave();
    }
  }

  /**
   * The groups a plain message on `topic` reaches, or null when an emit on it is not plain: the
   * module's answer, kept until a mount, an unmount or a declaration may change it.
   */
  #plainReceivers(topic: string): readonly TopicGroup[] | null {
    const bus = this.#host.bus;
    let plan = this.#plain.get(topic);
    // The common case in one lookup: the answer and the receivers both current.
    if (plan !== undefined && plan.declarations === bus.declarations && plan.version === bus.version) return plan.receivers;
    if (plan === undefined || plan.declarations !== bus.declarations) {
      const declarations = bus.declarations;
      // A topic with a surrogate reaches the module changed (a lone one as U+FFFD): its path.
      let plain = !holdsSurrogate(topic);
      if (plain) {
        enter(false);
        try {
          stageValues(topic);
          check(api.mfs_app_emit_is_plain(this.#h));
          plain = result() === 1;
        } catch {
          return null; // the module's path says why
        } finally {
          leave();
        }
      }
      // What ran meanwhile (work queued for the outermost leave) may have changed the answer.
      if (bus.declarations !== declarations || this.#released || !idleOutsideReducers() || this.#host.hostInspectors !== 0 || this.#inspecting !== 0) return null;
      if (this.#plain.size >= MAX_PLAIN_TOPICS) this.#plain.clear();
      plan = { declarations, version: -1, receivers: plain ? noReceivers : null };
      this.#plain.set(topic, plan);
    }
    if (plan.receivers === null) return null; // not plain
    if (plan.version !== bus.version) {
      plan.receivers = bus.reaching(topic);
      plan.version = bus.version;
    }
    return plan.receivers;
  }

  /**
   * What a listener of this app on `topic` threw when a plain message was delivered to it without
   * the module (deliverPlain): the shell's error handler hears it, and so, while this app inspects
   * itself, do its inspectors (an `error` event, which only the module makes), as when the module
   * delivers. Only a throw costs the module: an inspecting receiver keeps other apps' emits plain.
   */
  #topicListenerThrew(topic: string, thrown: unknown): void {
    if (this.#inspecting !== 0 && !this.#released && this.#host.handle !== 0) {
      try {
        enter();
        try {
          callWith(() => {
            const rethrow = fn(() => {
              throw thrown;
            });
            stageValues(topic);
            check(api.mfs_app_listener_threw(this.#h, rethrow));
          });
        } finally {
          leave();
        }
        return;
      } catch {
        // Not told (the module refused the call): the handler still hears it, below.
      }
    }
    this.#host.report(new MfstateError("listener_error", `a subscriber of topic "${topic}" in app "${this.#name}" threw: ${messageOf(thrown)}`, { cause: thrown }));
  }

  // ---- the shared query cache ----

  /**
   * This app's face of the shared query cache: every query-core operation on the data, none of the
   * shell's switches (clear, focus, connectivity). Observers made through it end at unmount.
   */
  get queryClient(): QueryClient {
    this.#handle();
    this.#client ??= appQueryClient(this.#host, () => this.#handle(), this);
    return this.#client;
  }

  /**
   * The short form of a QueryObserver: observes `options.queryKey` as this app and calls `listener`
   * with the result now and whenever it changes. Ends at unmount at the latest.
   */
  observe<T = unknown>(options: QueryObserverOptions<T>, listener: (result: QueryObserverResult<T>) => void): Unsubscribe {
    this.#handle();
    if (typeof listener !== "function") throw new MfstateError("invalid_argument", "an observe listener must be a function");
    const observer = new QueryObserver(this.queryClient, options as never);
    let told = false;
    const unsubscribe = observer.subscribe((r) => {
      told = true;
      listener(r as never);
    });
    // The short form tells the current result at once (a QueryObserver's listeners hear changes only).
    if (!told) listener(observer.getCurrentResult() as never);
    return unsubscribe;
  }

  // ---- its own time ----

  /** The runtime clock's time in milliseconds (Date.now(), or the manual clock's). */
  now(): number {
    const h = this.#handle();
    enter(false);
    try {
      check(api.mfs_app_now(h));
      return result() as number;
    } finally {
      leave();
    }
  }

  /**
   * Calls `callback` once after `ms` milliseconds. The timer is this app's: only the returned
   * function cancels it (there is no id another app could guess), and unmounting cancels it. What
   * the callback throws goes to the shell's error handler.
   */
  scheduleAfter(ms: number, callback: () => void): Unsubscribe {
    const h = this.#handle();
    if (typeof callback !== "function") throw new MfstateError("invalid_argument", "scheduleAfter takes a function");
    this.#room();
    let end: Unsubscribe | undefined;
    end = this.#own(scheduleTimer((id) => api.mfs_app_schedule_after(h, ms, id), callback, () => end));
    this.#host.driver.kick();
    return end;
  }

  // ---- its own transactions ----

  /**
   * Runs `body` as one change: subscribers, watchers and bus listeners hear of it once, after the
   * end. If `body` throws, what this app's calls did inside (its dispatches, the reducers and
   * handlers its sends ran, the messages they published) is undone and the error propagates as
   * thrown; nothing else runs inside, so nothing else is undone. Returns what `body` returns. Nests.
   */
  transaction<T>(body: () => T): T {
    const h = this.#handle();
    if (typeof body !== "function") throw new MfstateError("invalid_argument", "transaction takes a function");
    return runTransaction(this.#host.tx, body, (id) => api.mfs_app_transaction(h, id));
  }

  // ---- its own events ----

  /**
   * Calls `listener` with the inspector events this app is the actor or the target of (its
   * actions, commands it sent or received, its messages, its exports' changes, contract errors of
   * its watches or exports), after the operation that produced them. Never another app's actions
   * or payloads (the whole stream is the shell's: host.inspector).
   */
  inspect(listener: (event: InspectorEvent) => void): Unsubscribe {
    const h = this.#handle();
    if (typeof listener !== "function") throw new MfstateError("invalid_argument", "an inspector listener must be a function");
    this.#room();
    let sub = 0;
    enter(false);
    try {
      callWith(() => {
        const id = fn(() => listener(readValue() as InspectorEvent));
        check(api.mfs_app_inspect(h, id));
        sub = result() as number;
      });
    } finally {
      leave();
    }
    // While it lives, this app's dispatches, emits and broadcasts, and the broadcasts it receives,
    // go through the module, which makes the events; of the messages it receives it hears only
    // its listeners' errors (#topicListenerThrew). Whether a broadcast is plain is the module's
    // answer (kept until the commands change), which this changes for its targets.
    const host = this.#host;
    host.commands++;
    this.#inspecting++;
    return this.#own(sub, () => {
      host.commands++;
      this.#inspecting--;
    });
  }
}

let appShapeSettled = false;

/** Makes the App object for a mounted handle (module-internal: Host.mount). */
export function makeApp(handle: number, host: HostLink, name: string, version: string): App {
  if (!appShapeSettled) {
    // An App has ~40 private fields (shape.ts). The settling Apps are never handed out.
    appShapeSettled = true;
    settleShape(() => new App(CONSTRUCT, 0, host, name, version));
  }
  return new App(CONSTRUCT, handle, host, name, version);
}

/** An idempotent function ending subscription `sub` in the module. */
/**
 * Runs `body` inside the module's transaction call `start(id)` (id: `body` as a module callback):
 * returns what `body` returned; what `body` threw propagates as thrown, not wrapped by the module.
 * The host's and an app's `transaction` differ only in `start`. A frame of the host's `frames`
 * is open meanwhile: what the apps' fast paths queue inside goes with the module's rollback.
 */
export function runTransaction<T>(frames: TxFrames, body: () => T, start: (id: number) => number): T {
  let out: T | undefined;
  let ran = false;
  let threw = false;
  let thrown: unknown;
  enter();
  try {
    callWith(() => {
      const id = fn(() => {
        try {
          out = body();
          ran = true;
        } catch (e) {
          threw = true;
          thrown = e;
          throw e;
        }
      });
      let status = -1;
      // Opened once enter() has run what the fast paths queued before (no frame's), and closed
      // before anything else enters the module (which would run what they queued inside first).
      frames.run(() => (status = start(id)) >= 0 && ran);
      if (status < 0 && !threw) check(status);
    });
  } finally {
    leave();
  }
  if (threw) throw thrown;
  return out as T;
}

// ---- JavaScript functions the module calls for a store ----

function reducerFn(app: string, reducer: Reducer, owner: App): number {
  return fn(() => {
    if (syncing !== null && syncing.app === owner) {
      // Writing the fast path's state into the module (App.#sync): that state is the result.
      writeResult(syncing.state);
      return;
    }
    const state = readValue();
    const action = readAction();
    let next: unknown;
    try {
      next = reducer(state as never, action);
    } catch (e) {
      noteThrown(e, app);
      throw e;
    }
    if (next === undefined) {
      throw new MfstateError(
        "invalid_argument",
        `the reducer of app "${app}" returned undefined for "${action.type}": return the state unchanged for actions it does not handle`,
      );
    }
    writeResult(next);
  });
}

/** A stale handle (the store is gone) makes these calls no-ops, as Redux's would after unmount. */
function middlewareFn(middleware: Middleware): number {
  let chain: ((action: Action) => void) | undefined;
  return fn(() => {
    const ref = readValue() as number;
    const next = readValue() as number;
    const action = readAction();
    if (!chain) {
      const api_: MiddlewareAPI = Object.freeze({
        getState: () => {
          enter(false);
          try {
            check(api.mfs_store_state(ref));
            return result() as never;
          } finally {
            leave();
          }
        },
        dispatch: (a: Action) => {
          const checked = checkAction(a);
          enter();
          try {
            stageAction(checked);
            check(api.mfs_store_dispatch(ref));
          } finally {
            leave();
          }
          return a;
        },
      });
      const nextFn = (a: Action): void => {
        const checked = checkAction(a);
        enter();
        try {
          stageAction(checked);
          check(api.mfs_next(next));
        } finally {
          leave();
        }
      };
      chain = middleware(api_)(nextFn);
    }
    chain(action);
  });
}
