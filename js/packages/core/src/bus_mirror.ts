// The host's bus subscriptions as JavaScript sees them, so a plain message (App.emit: nothing but
// its subscribers can observe it) is delivered without the payload crossing into the module and
// back, twice per message (W6: 0.6x RxJS through the module).
//
// Each app keeps one module subscription per pattern (a topic group, App.on); the module delivers
// a message to the subscriptions whose pattern matches its topic, in the order they were made
// (a topic's list is every matching subscription, oldest first: bus.cpp). This mirror keeps the
// same groups in the same order, so it names the same receivers in the same order.

import { append, ownList } from "./wasm.js";

/** A group as the mirror needs it: its pattern, whether its subscription still stands, whose it is. */
export interface MirroredGroup {
  readonly pattern: string;
  live: boolean;
  readonly owner: object;
}

export class BusMirror<G extends MirroredGroup> {
  /**
   * Live groups of every app of the host, in subscription order. Lists without a prototype, changed
   * by index only (wasm.ts, ownList): they hold other apps' listeners.
   */
  readonly #groups: G[] = ownList();
  /** Bumped whenever the groups change: receivers a caller kept are current while it is unchanged. */
  version = 0;
  /**
   * Bumped whenever what makes an emit plain (App::emit_is_plain in the module) may change: a mount,
   * an unmount, a declaration. Callers cache the module's answer against it.
   */
  declarations = 0;

  add(g: G): void {
    g.live = true;
    append(this.#groups, g);
    this.version++;
  }

  remove(g: G): void {
    if (!g.live) return;
    g.live = false;
    const groups = this.#groups;
    let at = groups.length - 1;
    while (at >= 0 && groups[at] !== g) at--;
    if (at >= 0) {
      for (let i = at + 1; i < groups.length; i++) groups[i - 1] = groups[i];
      groups.length--;
    }
    this.version++;
  }

  /** Removes every group `owner` made (an app unmounting), whether or not it still knows of them. */
  removeOwnedBy(owner: object): void {
    const groups = this.#groups;
    let kept = 0;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (g.owner === owner) g.live = false;
      else groups[kept++] = g;
    }
    if (kept === groups.length) return;
    groups.length = kept;
    this.version++;
  }

  /**
   * The groups a message on `topic` reaches now, in delivery order: a new list (a snapshot), which
   * a caller may keep while `version` is unchanged (App keeps one per topic it emits on).
   */
  reaching(topic: string): readonly G[] {
    const found = ownList<G>();
    const groups = this.#groups;
    for (let i = 0; i < groups.length; i++) if (matches(groups[i].pattern, topic)) append(found, groups[i]);
    return found;
  }
}


/**
 * Whether subscription pattern `pattern` matches `topic`, as the module's Bus::matches: segments
 * split at '/', `*` matches exactly one segment, a last `**` one or more.
 */
export function matches(pattern: string, topic: string): boolean {
  let p = 0;
  let t = 0;
  for (;;) {
    const pe = pattern.indexOf("/", p);
    const pseg = pe < 0 ? pattern.slice(p) : pattern.slice(p, pe);
    if (t > topic.length) return false;
    if (pseg === "**") return t < topic.length;
    const te = topic.indexOf("/", t);
    const tseg = te < 0 ? topic.slice(t) : topic.slice(t, te);
    if (pseg !== "*" && pseg !== tseg) return false;
    if (pe < 0 || te < 0) return pe < 0 && te < 0;
    p = pe + 1;
    t = te + 1;
  }
}
