// Host: the shell's capability. Mounting apps (each mount returns that app's capability, which the
// shell hands to the remote), the inspector, the error handler, focus and connectivity, the clock,
// transactions, and the shared query cache with its shell-wide switches.

import { TxFrames } from "./tx_frames.js";
import { App, type AppSnapshot, describeApp, FastBatch, makeApp, type HostLink, runTransaction, unwatchBatch, watchBatch } from "./app.js";
import { BusMirror } from "./bus_mirror.js";
import { Driver } from "./driver.js";
import { MfstateError } from "./errors.js";
import { claimPage, leavePage, releaseOutside, takeOutside } from "./page_room.js";
import { coreOf, listenToPage, shellQueryClient, type QueryClient, type QueryClientConfig } from "./query/client.js";
import type { FetchStatus, QueryKey, QueryStatus } from "./query/types.js";
import type { InspectorEvent, Manifest, Unsubscribe } from "./types.js";
import {
  api,
  callWith,
  check,
  enter,
  fn,
  leave,
  load,
  onModuleStop,
  readErrorFields,
  readValue,
  result,
  stageValues,
  jsError,
  unsubscriber,
  type WasmSource,
} from "./wasm.js";

/** createHost's options. */
export interface HostOptions {
  /** When values crossing a boundary are checked against their schema. Default "development". */
  validation?: "always" | "development" | "off";
  /** What "development" follows (default: false, the package is a release build). */
  development?: boolean;
  /**
   * Receives the errors no caller can receive: contract errors, throwing subscribers, watchers and
   * bus listeners, invalid exported values. Default: console.error.
   */
  onError?: (error: MfstateError) => void;
  /** Refuse to publish on topics nobody declared. */
  strictTopics?: boolean;
  /** The shared query cache's defaults and bounds. */
  queries?: Pick<QueryClientConfig, "defaultOptions" | "maxEntries" | "maxBytes">;
  /** "manual": time moves only by host.advanceTime(ms) (tests). Default "system". */
  clock?: "system" | "manual";
  /** The manual clock's start (milliseconds). */
  now?: number;
  /** Where the WebAssembly module comes from (default: mfstate.wasm beside the package). */
  wasm?: WasmSource;
  /**
   * Follow the page's visibility and connectivity (visibilitychange, online/offline) for the
   * query cache's refetch on focus / reconnect. Default: true in a browser.
   */
  listenToPage?: boolean;
}

/** What Host.inspect returns: the page's apps and queries, for devtools. */
export interface HostSnapshot {
  readonly apps: readonly AppSnapshot[];
  readonly queries: ReadonlyArray<{
    readonly queryHash: string;
    readonly queryKey: QueryKey;
    readonly status: QueryStatus;
    readonly fetchStatus: FetchStatus;
    readonly dataUpdatedAt: number;
    /** Observers subscribed through this page's QueryObservers. */
    readonly observers: number;
    readonly isStale: boolean;
  }>;
}

/** The name the shell's own app is mounted under. */
export const PLATFORM = "platform";

const CONSTRUCT = Symbol("mfstate.Host");

function defaultOnError(e: MfstateError): void {
  const c = (globalThis as { console?: { error: (...a: unknown[]) => void } }).console;
  c?.error(`mfstate: ${e.code}: ${e.message}`, e.cause ?? "");
}

/**
 * Creates a host (instantiating the WebAssembly module on first use): the shell's capability.
 * Mount each remote with host.mount(name | manifest) and hand it the App that returns.
 */
export async function createHost(options: HostOptions = {}): Promise<Host> {
  await load(options.wasm);
  return new Host(CONSTRUCT, options);
}

export class Host {
  readonly #link: HostLink;
  readonly #platform: App;
  readonly #queryClient: QueryClient;
  #onError: (error: MfstateError) => void;
  #unlisten: (() => void) | undefined;
  /** Ends this host's hearing of a stop of the module (see onModuleStop). */
  readonly #unhearStop: () => void;

  /** Not for users: hosts come from createHost(). */
  constructor(token: symbol, options: HostOptions) {
    if (token !== CONSTRUCT) throw new MfstateError("refused", "a Host comes from await createHost(options)");
    this.#onError = options.onError ?? defaultOnError;
    const manual = options.clock === "manual";
    let handle = 0;
    const driver = new Driver("mfs_host", () => {
      if (link.handle === 0) throw new MfstateError("invalid_argument", "this host was disposed");
      return link.handle;
    }, manual, options.now ?? 0);
    // The page's host, or one outside it whose every handle counts against the page's bound
    // (page_room.ts), this host itself the first.
    // Two handles: the host and its platform app, taken together so that a host is made whole or
    // not at all.
    const outsidePageHost = !claimPage(this);
    if (outsidePageHost) takeOutside("createHost()", 2);
    const link: HostLink = {
      handle: 0,
      outsidePageHost,
      driver,
      apps: new Set(),
      shellClient: () => this.#queryClient,
      held: new Set(),
      hostInspectors: 0,
      bus: new BusMirror(),
      commands: 0,
      batch: new FastBatch(),
      tx: new TxFrames(),
      // As the module's error sink: a handler that throws is not let through (it would throw into
      // whichever call happened to make the report, another app's included).
      report: (error) => {
        try {
          this.#onError(error);
        } catch {
          // The module's sink writes such a throw to stderr, which the browser build does not have.
        }
      },
    };
    enter();
    try {
      callWith(() => {
        const onError = this.#errorFn();
        stageValues({
          validation: options.validation,
          development: options.development,
          strictTopics: options.strictTopics,
          manualClock: manual,
          now: options.now,
          queries: options.queries ? { maxEntries: options.queries.maxEntries, maxBytes: options.queries.maxBytes } : undefined,
        });
        check(api.mfs_host_create(onError));
        handle = result() as number;
      });
    } catch (e) {
      if (outsidePageHost) releaseOutside(2);
      else leavePage(this);
      throw e;
    } finally {
      leave();
    }
    link.handle = handle;
    this.#link = link;
    // The module stopping (a call ran out of stack inside it) is this host's error too.
    this.#unhearStop = onModuleStop((e) => link.report(e));
    this.#queryClient = shellQueryClient(link, options.queries?.defaultOptions, Boolean(options.queries?.maxEntries || options.queries?.maxBytes));
    this.#platform = this.#adopt(PLATFORM, "", () => check(api.mfs_host_platform(handle)), false);
    const listen = options.listenToPage ?? true;
    if (listen) {
      this.#unlisten = listenToPage(
        (focused) => this.setFocused(focused),
        (online) => this.setOnline(online),
      );
    }
    // Last: a host that failed to start is not kept in the page-wide list of batches.
    watchBatch(link.batch);
    // No own member can shadow a method: whoever the shell hands the host to cannot change what
    // the shell's later calls on it do.
    Object.freeze(this);
  }

  #errorFn(): number {
    return fn(() => {
      const { code, message, detail } = readErrorFields();
      // By the id of what was thrown, never by message: a module error with none has no cause.
      const cause = typeof detail === "number" && detail > 0 ? jsError(detail) : undefined;
      this.#onError(new MfstateError(code, message, cause === undefined ? undefined : { cause }));
    });
  }

  #handle(): number {
    if (this.#link.handle === 0) throw new MfstateError("invalid_argument", "this host was disposed");
    return this.#link.handle;
  }

  /** The shell's own app ("platform"): its store, exports, commands and bus traffic. */
  get platform(): App {
    return this.#platform;
  }

  /**
   * Mounts an app and returns the capability to act as it: hand it to that remote only. With a
   * manifest (schemas inline) the app is held to it: the commands it lists are accepted with their
   * schemas, topics declared, exports and reads checked. Throws app_already_mounted.
   */
  mount(app: string | Manifest, options: { version?: string } = {}): App {
    const h = this.#handle();
    if (typeof app === "string") {
      return this.#adopt(app, options.version ?? "", () => {
        stageValues(app, options.version ?? null);
        check(api.mfs_host_mount(h));
      });
    }
    if (typeof app !== "object" || app === null) throw new MfstateError("invalid_argument", "mount takes an app name or a manifest object");
    // Its members read once, into a copy the module is given: a `name` getter answering one name
    // to the App and another to the module made an App whose name is another app's, which the
    // package maps the module's names back to (a broadcast's targets: the victim's broadcasts ran
    // the impostor's reducer; a thrown error's owner).
    const manifest: Manifest = { ...app };
    return this.#adopt(String(manifest.name), String(manifest.version), () => {
      stageValues(manifest);
      check(api.mfs_host_mount_manifest(h));
    });
  }

  /**
   * Makes the App of the handle `call` leaves as the result (a mount, or the platform's, whose
   * room the constructor took: `takeRoom` false).
   */
  #adopt(name: string, version: string, call: () => void, takeRoom = true): App {
    let handle = 0;
    // On a host outside the page's, the app is a handle of the page's bound (page_room.ts), given
    // back at its unmount.
    const outside = takeRoom && this.#link.outsidePageHost;
    if (outside) takeOutside(`mount "${name}" on a host other than the page's`);
    enter();
    try {
      call();
      handle = result() as number;
    } catch (e) {
      if (outside) releaseOutside();
      throw e;
    } finally {
      // A mounted name (and a manifest's declarations) changes what the module says of emits and
      // broadcasts.
      this.#link.bus.declarations++;
      this.#link.commands++;
      leave();
    }
    const a = makeApp(handle, this.#link, name, version);
    this.#link.apps.add(a);
    return a;
  }

  /** Whether an app of that name is mounted. */
  isMounted(name: string): boolean {
    const h = this.#handle();
    enter(false);
    try {
      stageValues(name);
      check(api.mfs_host_is_mounted(h));
      return result() as boolean;
    } finally {
      leave();
    }
  }

  /** The mounted apps' names, in mount order. */
  apps(): readonly string[] {
    const h = this.#handle();
    enter(false);
    try {
      check(api.mfs_host_apps(h));
      return result() as readonly string[];
    } finally {
      leave();
    }
  }

  /**
   * Runs `fn`: dispatches, sends, broadcasts and publishes inside apply to every app involved, and
   * subscribers are notified once, after the end, with the final state. If `fn` throws, every app's
   * state is restored, nobody is notified, and the error propagates (as thrown). Returns what `fn`
   * returns. Nests.
   */
  transaction<T>(body: () => T): T {
    const h = this.#handle();
    if (typeof body !== "function") throw new MfstateError("invalid_argument", "transaction takes a function");
    return runTransaction(this.#link.tx, body, (id) => api.mfs_host_transaction(h, id));
  }

  /** Whether values are validated now (from the validation mode and `development`). */
  get validating(): boolean {
    const h = this.#handle();
    enter(false);
    try {
      check(api.mfs_host_validating(h));
      return result() as boolean;
    } finally {
      leave();
    }
  }

  /** Replaces the error handler (see HostOptions.onError). */
  setErrorHandler(handler: (error: MfstateError) => void): void {
    if (typeof handler !== "function") throw new MfstateError("invalid_argument", "an error handler must be a function");
    this.#onError = handler;
  }

  /** The page gained or lost focus: stale observed queries refetch on regaining it. */
  setFocused(focused: boolean): void {
    const h = this.#handle();
    coreOf(this.#queryClient).keys.generation++;
    enter();
    try {
      check(api.mfs_host_set_focused(h, focused ? 1 : 0));
    } finally {
      leave();
      coreOf(this.#queryClient).keys.generation++;
    }
    this.#link.driver.kick();
  }

  /** Connectivity changed: paused fetches and mutations resume when it returns. */
  setOnline(online: boolean): void {
    const h = this.#handle();
    coreOf(this.#queryClient).keys.generation++;
    enter();
    try {
      check(api.mfs_host_set_online(h, online ? 1 : 0));
    } finally {
      leave();
      coreOf(this.#queryClient).keys.generation++;
    }
    this.#link.driver.kick();
  }

  /**
   * The inspector (devtools) stream: every app's actions, commands and refusals, exports, bus
   * messages, contract errors. The shell's alone: no app can listen to another's payloads.
   */
  get inspector(): { subscribe(listener: (event: InspectorEvent) => void): Unsubscribe } {
    return this.#inspector;
  }

  readonly #inspector = Object.freeze({
    subscribe: (listener: (event: InspectorEvent) => void): Unsubscribe => {
      const h = this.#handle();
      if (typeof listener !== "function") throw new MfstateError("invalid_argument", "an inspector listener must be a function");
      const link = this.#link;
      // A host's own handles count only outside the page's host (page_room.ts).
      if (link.outsidePageHost) takeOutside("an inspector of a host other than the page's");
      let sub = 0;
      enter(false);
      try {
        callWith(() => {
          const id = fn(() => listener(readValue() as InspectorEvent));
          check(api.mfs_host_inspect(h, id));
          sub = result() as number;
        });
      } catch (e) {
        if (link.outsidePageHost) releaseOutside();
        throw e;
      } finally {
        leave();
      }
      // While it lives, dispatches go through the module, which makes the events (App.dispatch).
      link.hostInspectors++;
      const end = unsubscriber(sub);
      let ended = false;
      const stop = (): void => {
        end(); // first: when it is refused, the inspector still listens and is still counted
        if (!ended) {
          ended = true;
          link.held.delete(stop);
          link.hostInspectors--;
          if (link.outsidePageHost) releaseOutside();
        }
      };
      link.held.add(stop);
      return stop;
    },
  });

  /**
   * A snapshot for devtools: each mounted app (version, exports with schema and current value,
   * accepted commands, counts of its subscriptions, watches, observers and handlers) and each
   * query of the shared cache (key, status, observers, staleness).
   */
  inspect(): HostSnapshot {
    this.#handle();
    const platform = this.#platform;
    const read = (producer: string, name: string): unknown => platform.read(producer, name);
    const apps = [...this.#link.apps].map((a) => describeApp(a, read));
    const queries = this.#queryClient.getQueryCache().getAll().map((q) =>
      Object.freeze({
        queryHash: q.queryHash,
        queryKey: q.queryKey,
        status: q.state.status,
        fetchStatus: q.state.fetchStatus,
        dataUpdatedAt: q.state.dataUpdatedAt,
        observers: q.getObserversCount(),
        isStale: q.isStale(),
      }),
    );
    return Object.freeze({ apps: Object.freeze(apps), queries: Object.freeze(queries) });
  }

  /** The shared query cache with the shell's powers (clear, defaults); apps get app.queryClient. */
  get queryClient(): QueryClient {
    return this.#queryClient;
  }

  /** Manual clock only (`{clock: "manual"}`): moves time by `ms`, running every timer due on the way. */
  advanceTime(ms: number): void {
    this.#handle();
    this.#link.driver.advance(ms);
  }

  /** Unmounts every app and frees the host; its apps' handles become inert. */
  dispose(): void {
    if (this.#link.handle === 0) return;
    this.#unlisten?.();
    this.#unhearStop();
    // First, while the host runs: what it handed out ends in the module and gives back its room.
    // Left, it kept its handles (and a host outside the page's its room in the page's bound) for
    // good: ending it after this threw, the host being gone (test/host-dispose-ends.test.mjs).
    for (const end of Array.from(this.#link.held)) end();
    this.#link.driver.stop();
    for (const a of Array.from(this.#link.apps)) a.unmount();
    // The mutations' gc timers: their subscriptions would outlive the runtime in the module's table.
    coreOf(this.#queryClient).mutations.dispose();
    const h = this.#link.handle;
    enter();
    try {
      check(api.mfs_host_destroy(h));
    } finally {
      this.#link.handle = 0;
      // Its room outside the page's host, or the page's place for the next host created.
      if (this.#link.outsidePageHost) releaseOutside();
      else leavePage(this);
      leave();
      // After leave, which must run: its apps are released, nothing of theirs is told after the end.
      unwatchBatch(this.#link.batch);
    }
  }
}
