// Runs a runtime's timers on the JavaScript event loop: after each call into the module that may
// have scheduled a timer or posted work, the driver runs the posted work and arms one setTimeout
// for the earliest timer. A runtime on a manual clock arms nothing: its owner calls advanceTime.
//
// Timers run only when that setTimeout fires (or time is advanced), never in the run after a call,
// even one already due: as query-core's setTimeouts, a timer never fires inside the page's
// synchronous code. On a busy page the clock can pass an entry's gcTime between a write and the
// run after it; running due timers there removed the entry in the middle of the page's code (a
// second setQueryData then made it anew: query-core keeps the one entry and removes it later).
//
// Most such calls post nothing and schedule nothing due before the timer already armed (a write to
// the cache schedules its entry's gcTime, minutes out): the runtime's activity count (posts and
// timers scheduled, ever) tells, for one small call, whether anything new could run; unchanged
// since the last run, the driver does not run the runtime (a run cost a setQueryData ~7%).

import { api, check, enter, leave, readValue, beginRead, whenIdle, now } from "./wasm.js";

type Timer = ReturnType<typeof setTimeout>;

// The longest delay setTimeout keeps: browsers and node fire a longer one after 1 ms instead (node
// warns), so a timer 30 days out (a gcTime, a refetchInterval) woke the runtime ~800 times a second
// for nothing. A longer wait is armed as this much; on waking, nothing is due and it is armed again.
const MAX_TIMEOUT = 2 ** 31 - 1;

export class Driver {
  /** Runs posted work, and due timers too when `timers` is 1. */
  readonly #run: (handle: number, timers: number) => number;
  readonly #advance: (handle: number, ms: number) => number;
  readonly #activity: (handle: number) => number;
  readonly #handle: () => number;
  readonly #manual: boolean;
  #timer: Timer | undefined;
  #armedAt = Infinity;
  #queued = false;
  /** The next run may not be skipped: the armed timer fired, or time was advanced. */
  #forced = false;
  /** The runtime's activity when the last run ended (-1: before the first run). */
  #seen = -1;
  #stopped = false;
  /** A manual clock's time: its start plus every advance (the module's ManualClock keeps the same). */
  #manualNow: number;
  // Made once: a kick follows every mutating query call, most of which then run nothing.
  readonly #runNowBound = (): void => this.#runNow();
  /** Told when a run of the runtime did something (posted work or timers): caches learn of it. */
  afterRun: () => void = () => {};

  /**
   * `kind`: "mfs_host" or "mfs_client", whose _run, _advance and _activity exports drive it.
   * `start`: a manual clock's time at creation (the module's starts there too).
   */
  constructor(kind: "mfs_host" | "mfs_client", handle: () => number, manual: boolean, start = 0) {
    const run = `${kind}_run`;
    const advance = `${kind}_advance`;
    const activity = `${kind}_activity`;
    this.#run = (h, timers) => api[run](h, timers);
    this.#advance = (h, ms) => api[advance](h, ms);
    this.#activity = (h) => api[activity](h);
    this.#handle = handle;
    this.#manual = manual;
    this.#manualNow = Math.trunc(start);
  }

  /**
   * The runtime clock's time: Date.now(), or the manual clock's. What the package decides without
   * asking the module (an unsubscribed observer's staleness) is judged on the module's clock.
   */
  now(): number {
    return this.#manual ? this.#manualNow : now();
  }

  get manual(): boolean {
    return this.#manual;
  }

  /**
   * Something may have scheduled a timer or posted work: run it once the current call ends.
   * `force`: run even if the runtime's activity did not change (its time did: a timer is due).
   */
  kick(force = false): void {
    if (force) this.#forced = true;
    if (this.#queued || this.#stopped) return;
    this.#queued = true;
    whenIdle(this.#runNowBound);
  }

  /**
   * As kick, after a call whose answer carried the runtime's activity at its end (`activity`,
   * -1: unknown): the same as the last run left it, the call posted and scheduled nothing, so
   * nothing new can run and no check is queued (a write of a new key: the check was a call into
   * the module per write). What may come after the answer and before the caller's outermost leave
   * is other calls into the module, each kicking for itself.
   */
  kickUnlessSeen(activity: number): void {
    if (this.#seen >= 0 && activity === this.#seen) return;
    this.kick();
  }

  /** Manual clock: moves time by `ms`, running every timer due on the way. */
  advance(ms: number): void {
    enter();
    try {
      check(this.#advance(this.#handle(), ms));
      this.#manualNow += Math.trunc(ms); // as the module takes it (whole milliseconds)
    } finally {
      leave();
      this.afterRun();
    }
    this.kick(true);
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
    const forced = this.#forced;
    this.#forced = false;
    // Nothing posted and no timer scheduled since the last run: nothing new is due before the
    // timer that run armed (-1, a handle gone: the run below reports it).
    if (!forced && this.#seen >= 0 && this.#activity(this.#handle()) === this.#seen) return;
    let next: number | null;
    let ran = 0;
    enter();
    try {
      // Timers only when the armed timer fired or time was advanced: never inside a call's turn.
      check(this.#run(this.#handle(), forced ? 1 : 0));
      beginRead();
      next = readValue() as number | null;
      ran = readValue() as number;
      this.#seen = readValue() as number;
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
      this.kick(true);
    }, Math.min(MAX_TIMEOUT, Math.max(0, next - now())));
    this.#timer = timer;
  }
}
