// Runs a runtime's timers on the JavaScript event loop: after each call into the module that may
// have scheduled a timer or posted work, the driver runs what is due and arms one setTimeout for
// the earliest timer left. A runtime on a manual clock arms nothing: its owner calls advanceTime.

import { api, check, enter, leave, readValue, beginRead, whenIdle, now } from "./wasm.js";

type Timer = ReturnType<typeof setTimeout>;

// The longest delay setTimeout keeps: browsers and node fire a longer one after 1 ms instead (node
// warns), so a timer 30 days out (a gcTime, a refetchInterval) woke the runtime ~800 times a second
// for nothing. A longer wait is armed as this much; on waking, nothing is due and it is armed again.
const MAX_TIMEOUT = 2 ** 31 - 1;

export class Driver {
  readonly #run: (handle: number) => number;
  readonly #advance: (handle: number, ms: number) => number;
  readonly #handle: () => number;
  readonly #manual: boolean;
  #timer: Timer | undefined;
  #armedAt = Infinity;
  #queued = false;
  #stopped = false;
  /** Told when a run of the runtime did something (posted work or timers): caches learn of it. */
  afterRun: () => void = () => {};

  constructor(run: string, advance: string, handle: () => number, manual: boolean) {
    this.#run = (h) => api[run](h);
    this.#advance = (h, ms) => api[advance](h, ms);
    this.#handle = handle;
    this.#manual = manual;
  }

  get manual(): boolean {
    return this.#manual;
  }

  /** Something may have scheduled a timer or posted work: run it once the current call ends. */
  kick(): void {
    if (this.#queued || this.#stopped) return;
    this.#queued = true;
    whenIdle(() => this.#runNow());
  }

  /** Manual clock: moves time by `ms`, running every timer due on the way. */
  advance(ms: number): void {
    enter();
    try {
      check(this.#advance(this.#handle(), ms));
    } finally {
      leave();
      this.afterRun();
    }
    this.kick();
  }

  /** Stops arming timers (the runtime is gone). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #runNow(): void {
    this.#queued = false;
    if (this.#stopped) return;
    let next: number | null;
    let ran = 0;
    enter();
    try {
      check(this.#run(this.#handle()));
      beginRead();
      next = readValue() as number | null;
      ran = readValue() as number;
    } finally {
      leave();
      if (ran !== 0) this.afterRun();
    }
    if (next === null || this.#manual) return;
    if (this.#timer !== undefined && next >= this.#armedAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = next;
    // Like query-core's timers, this keeps a node process alive: dispose the host (or clear the
    // client) when done.
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#armedAt = Infinity;
      this.kick();
    }, Math.min(MAX_TIMEOUT, Math.max(0, next - now())));
    this.#timer = timer;
  }
}
