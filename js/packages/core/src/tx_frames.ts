// The transactions open on a host, as the fast path's own queues see them. A store on its fast
// path holds back the dispatches made while it reduces or tells its subscribers (App's #queued);
// a subscriber running `app.transaction(...)` that dispatches to its own store queues there, out of
// the module's reach. The module's rollback undoes everything else the body did: this makes it drop
// those dispatches too, as the module's store drops what it queued inside a rolled-back frame
// (src/runtime.cpp tx_tag_queued, src/store.cpp Pending::frame).
//
// No entry needs the module's tag of its frame: a frame opens only right after a call entered the
// module (enter() in host.transaction, app.transaction, send and broadcast), and entering runs every
// fast path's queue through the module first (syncAll, App's #runQueuedFirst). Whatever a queue
// holds when a frame closes was queued inside it, or inside a frame nested in it, since closed.
// (A handler's frame inside a broadcast opens after the receivers before it ran, with what they
// queued still held: a handler that throws fails the whole broadcast, whose frame drops that too.)
import type { Action } from "./types.js";
import { append, ownList, rolledBack } from "./wasm.js";

/** A dispatch held back, or a replaceReducer made from the reducer (run once the store is idle). */
export type Queued = Action | (() => void);

/**
 * The frames open on one host: the host's and its apps' `transaction`, and what the module runs in
 * a transaction of its own (a command's handler, a broadcast that can fail). They nest on the
 * JavaScript stack.
 */
export class TxFrames {
  #open = 0;
  /** The queues that took an entry since the outermost frame opened. */
  readonly #queues = ownList<Queued[]>();

  /** Appends `item` to `queue` (an ownList), which the frames open now drop it from if they roll back. */
  queue(queue: Queued[], item: Queued): void {
    append(queue, item);
    if (this.#open === 0) return;
    const queues = this.#queues;
    let i = 0;
    while (i < queues.length && queues[i] !== queue) i++;
    queues[i] = queue;
  }

  /**
   * Runs `body` in a frame: `body` returns whether the module kept what it did (a throw: it did
   * not). Not kept, the queues drop what they took meanwhile: all they hold (see above).
   */
  run(body: () => boolean): void {
    this.#open++;
    let kept = false;
    try {
      kept = body();
    } finally {
      // Assignments only: a call here could fail at the edge of the stack, where a hostile app
      // calls on purpose, and leave a frame open for good.
      this.#open--;
      const queues = this.#queues;
      if (!kept) {
        // What was read inside (a state, an export) may be what the module's rollback undid.
        rolledBack.pending = true;
        for (let i = 0; i < queues.length; i++) queues[i].length = 0;
      }
      if (this.#open === 0) queues.length = 0;
    }
  }
}
