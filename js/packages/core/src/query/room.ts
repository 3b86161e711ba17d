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
import { countAsApp, holdAsApp } from "../app.js";
import { releaseOutside, takeOutside } from "../page_room.js";
import type { ClientCore } from "./core.js";

/**
 * Most mutations of unmounted apps the page keeps under way at once (each holds a watch in the
 * module's handle table, and its attempt an entry in its completion table): as many as the settled
 * mutations a client keeps (query/mutation.ts), a sixteenth of what one mounted app may hold.
 */
export const MAX_ORPHANED_MUTATIONS = 1 << 12;

let orphanedMutations = 0;

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
 * oldest first) and runs on; past that room `abandon` is called, which ends it in the module
 * (cancelled). Returns the (idempotent) release, for when it settles: an orphan's gives the page's
 * room back. Throws app_unmounted when the app is gone already (its function would not run).
 */
export function takeMutationRoom(core: ClientCore, abandon: () => void): () => void {
  if (core.kind !== "app") return takeRoom(core);
  let orphaned = false;
  const releaseFromApp = holdAsApp(core.app!, () => {
    if (orphanedMutations >= MAX_ORPHANED_MUTATIONS) return abandon;
    orphanedMutations++;
    orphaned = true;
    return undefined;
  });
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    releaseFromApp();
    if (orphaned) orphanedMutations--;
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
