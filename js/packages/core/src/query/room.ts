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
import { countAsApp, holdAsApp } from "../app.js";
import { releaseOutside, takeOutside } from "../page_room.js";
import type { ClientCore } from "./core.js";

const nothingHeld = (): void => {};

const WHAT = "a query client outside the page's host";

/**
 * Takes room for one handle held for `core`'s owner, before it is made: throws size_limit when
 * the owner holds its bound. Returns the (idempotent) release, for when the handle ends.
 */
export function takeRoom(core: ClientCore): () => void {
  if (core.kind === "app") return holdAsApp(core.app!);
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
