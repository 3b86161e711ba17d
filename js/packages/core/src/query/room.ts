// Room in the module's handle table for what a query client's face holds past a call (observers,
// cache listeners, mutations under way), and in its completion table for its fetches in flight
// (query functions not answered yet). Each table serves the whole page and has 2^20 entries: an
// app's holdings count against its MAX_SUBSCRIPTIONS (app.ts), and those of a client outside the
// page's host (a standalone client, `new QueryClient()`, which any code of the page can make and
// which belongs to no app, or the shared client of another host) against the page's one bound for
// all that is outside it (page_room.ts). Uncounted, one app filled the table in a second or two
// through its face's cache listeners, or through a client of its own, and every other app's
// subscribe, timer and observer failed with size_limit (test/attack-handle-room.test.mjs); and
// through fetches that never settle (prefetchQuery with a query function that never answers),
// every later fetch on the page failed (test/attack-fetch-room.test.mjs). The page's host's own
// are not counted: it is the page's owner.
// An app's mutations run on the shell's client, so its unmount does not end them (an answer after
// it still settles one, as TanStack's: test/mutation-late-answer.test.mjs); those still pending then
// move to one page-wide room for ended apps' mutations, and those it cannot take are abandoned as
// the C++ AppQueryClient's end does (test/attack-mutation-room.test.mjs). Unbounded, a shell
// remounting an app whose mutations never settle kept each one's completion entry and watch for
// good, and 16 remounts filled the tables for every app.
// The room is shared fairly among parties: an app of the page's host by its name as the shell
// mounted it (its remounts are one party), and all that is outside the page's host together (any
// code can make a host there and mount names on it, as page_room.ts counts it). Each party's
// places are kept oldest first. When the room is full, a newcomer takes the place of the oldest
// mutation of the party holding the most, if that party holds more than the newcomer's own (that
// one is abandoned); otherwise the newcomer is abandoned. So a party loses a mutation only while it
// holds the most of the room: a flood fills only its flooder's share, and an app unmounted with a
// save in flight keeps it whatever another app left pending. First come first kept, a hostile app
// leaving 4,096 never-settling mutations at its unmount made every other app's pending at theirs
// be abandoned (cancelled): one app undoing another's work (test/attack-mutation-room-fair.test.mjs).
import { countAsApp, holdAsApp } from "../app.js";
import { releaseOutside, takeOutside } from "../page_room.js";
import type { ClientCore } from "./core.js";

/**
 * Most mutations of unmounted apps the page keeps under way at once (each holds a watch in the
 * module's handle table, and its attempt an entry in its completion table): as many as the settled
 * mutations a client keeps (query/mutation.ts), a sixteenth of what one mounted app may hold.
 */
export const MAX_ORPHANED_MUTATIONS = 1 << 12;

/** One party's places in the room (see above), its oldest first. */
interface Party {
  readonly key: string | symbol;
  readonly held: Set<Orphan>;
}

/** One ended app's mutation the page keeps; `abandon` ends it in the module. */
interface Orphan {
  readonly party: Party;
  readonly abandon: () => void;
}

/** Everything outside the page's host: one party, whatever names its apps were mounted with. */
const OUTSIDE = Symbol("outside the page's host");

const parties = new Map<string | symbol, Party>();
/** The parties by how many places each holds (an index with none: undefined or empty). */
const byCount: Array<Set<Party> | undefined> = [];
/** The most places one party holds. */
let most = 0;
let orphanedMutations = 0;

function recount(party: Party, from: number): void {
  byCount[from]?.delete(party);
  const to = party.held.size;
  if (to === 0) {
    parties.delete(party.key);
  } else {
    (byCount[to] ??= new Set()).add(party);
    if (to > most) most = to;
  }
  // Counts move by one: the next most is one less (the party that just moved is there).
  while (most > 0 && !byCount[most]?.size) most--;
}

function place(party: Party, abandon: () => void): Orphan {
  const orphan: Orphan = { party, abandon };
  party.held.add(orphan);
  orphanedMutations++;
  recount(party, party.held.size - 1);
  return orphan;
}

/** Gives `orphan`'s place back (it settled, or another party's newcomer took it); false: gone already. */
function unplace(orphan: Orphan): boolean {
  const party = orphan.party;
  if (!party.held.delete(orphan)) return false;
  orphanedMutations--;
  recount(party, party.held.size + 1);
  return true;
}

/**
 * An ended app's pending mutation asks for a place: it is kept (returns its orphan and nothing to
 * run), takes the place of the oldest of the party holding the most (returns that one's abandon,
 * for the caller to run), or is abandoned itself (returns its own).
 */
function enterRoom(key: string | symbol, abandon: () => void): { orphan?: Orphan; end?: () => void } {
  let party = parties.get(key);
  if (orphanedMutations < MAX_ORPHANED_MUTATIONS) {
    if (party === undefined) parties.set(key, (party = { key, held: new Set() }));
    return { orphan: place(party, abandon) };
  }
  const own = party?.held.size ?? 0;
  if (most <= own) return { end: abandon };
  const richest = byCount[most]!.values().next().value!;
  const oldest: Orphan = richest.held.values().next().value!;
  unplace(oldest);
  if (party === undefined) parties.set(key, (party = { key, held: new Set() }));
  return { orphan: place(party, abandon), end: oldest.abandon };
}

/** The party an app's mutations count for in the room (see above). */
function partyOf(core: ClientCore): string | symbol {
  return core.appOutsidePageHost ? OUTSIDE : core.app!.name;
}

const nothingHeld = (): void => {};

const WHAT = "a query client outside the page's host";

/**
 * Takes room for one handle held for a client outside the page's host, before it is made: throws
 * size_limit when the page's bound is reached. Returns the (idempotent) release, for when the handle
 * ends. (The page's host's hold none; an app's handles are counted by app.ts as they are made, and
 * its mutations by takeMutationRoom.)
 */
export function takeRoom(core: ClientCore): () => void {
  if (!core.outsidePageHost) return nothingHeld;
  takeOutside(WHAT);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    releaseOutside();
  };
}

/**
 * Takes room for one mutation under way of `core`'s owner, as takeRoom. When its app unmounts with
 * it still pending, it moves to the page's room for ended apps' mutations (MAX_ORPHANED_MUTATIONS,
 * shared fairly: see above) and runs on; when the room has no place for it `abandon` is called,
 * which ends it in the module (cancelled), and so is it later if another party's newcomer takes its
 * place. Returns the (idempotent) release, for when it settles: an orphan's gives its place back.
 * Throws app_unmounted when the app is gone already (its function would not run).
 */
export function takeMutationRoom(core: ClientCore, abandon: () => void): () => void {
  if (core.kind !== "app") return takeRoom(core);
  let orphan: Orphan | undefined;
  const releaseFromApp = holdAsApp(core.app!, () => {
    const entered = enterRoom(partyOf(core), abandon);
    orphan = entered.orphan;
    return entered.end;
  });
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    releaseFromApp();
    if (orphan) unplace(orphan);
  };
}

/** How many ended apps' mutations the page keeps under way now (module-internal; the tests read it). */
export function orphanedMutationCount(): number {
  return orphanedMutations;
}

/**
 * Takes room for one fetch in flight of `core`'s owner (its query function called, not answered):
 * throws size_limit when the owner holds its bound. Given back by releaseFetchRoom exactly once,
 * when the module takes the fetch's completion (its answer, or its abort: wasm/query_abi.cpp,
 * fetcher_of), which it tells once.
 */
export function takeFetchRoom(core: ClientCore): void {
  if (core.kind === "app") countAsApp(core.app!, 1);
  else if (core.outsidePageHost) takeOutside(WHAT);
}

/** Gives back the room takeFetchRoom took for a fetch of `core`'s owner. */
export function releaseFetchRoom(core: ClientCore): void {
  if (core.kind === "app") countAsApp(core.app!, -1);
  else if (core.outsidePageHost) releaseOutside();
}
