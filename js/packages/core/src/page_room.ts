// The page's room for what its shell did not make. The module's tables (handles, completions, hosts,
// apps: 2^20 entries each) serve the whole page. The shell's host is the page's owner: what it and
// its apps hold is bounded by each app's MAX_SUBSCRIPTIONS (app.ts) and by how many apps the shell
// mounts. Everything else that any code of the page can make with the package's exports alone
// shares the one bound here: what standalone clients (`new QueryClient()`) hold (query/room.ts),
// and every other host (`createHost()`): the host itself, each app mounted on it, and what the
// host and its apps hold. Uncounted, an app calling createHost() itself held a million inspector
// subscriptions of its own host in under three seconds, and every other app's subscribe, timer and
// observer failed with size_limit; or it could mount a million apps there (about 11 µs a mount),
// and the shell's next mount would fail (test/attack-own-host.test.mjs). A standalone client itself is
// not counted: each costs ~3 KB of the module's memory and ~11 KB of JavaScript's, so the page's
// memory runs out long before the client table, and its room would come back only whenever the
// collector finds it (a server making a client per request would meet size_limit by the collector's
// timing).
//
// The page's host is the first host created while the page has none: the shell creates its host
// before it loads any remote. Once it is disposed, the next host created takes its place.
import { MfstateError } from "./errors.js";

/** Most handles everything outside the page's host holds at once, together. */
export const MAX_OUTSIDE_HANDLES = 1 << 16;

let held = 0;
let pageHost: object | undefined;

/** Makes `host` the page's host when the page has none; returns whether it did. */
export function claimPage(host: object): boolean {
  if (pageHost !== undefined) return false;
  pageHost = host;
  return true;
}

/** `host` is disposed: when it was the page's, the next host created takes its place. */
export function leavePage(host: object): void {
  if (pageHost === host) pageHost = undefined;
}

/**
 * Takes room for `n` handles held outside the page's host (`what` holds them: for the message),
 * before they are made: throws size_limit, taking nothing, when they do not all fit. Given back by
 * releaseOutside.
 */
export function takeOutside(what: string, n = 1): void {
  checkOutside(what, n);
  held += n;
}

/** Throws size_limit, as takeOutside, when `n` more handles do not fit; takes nothing. */
export function checkOutside(what: string, n = 1): void {
  if (held + n > MAX_OUTSIDE_HANDLES) {
    throw new MfstateError(
      "size_limit",
      `${what}: what is outside the page's host (standalone QueryClients, other hosts and their apps) holds ${held} handles (hosts, apps, subscriptions, observers, mutations under way, fetches in flight): end some first`,
    );
  }
}

/** Gives back `n` handles taken by takeOutside (a negative `n` takes them, checked before by checkOutside). */
export function releaseOutside(n = 1): void {
  held -= n;
}

/** How many handles outside the page's host hold now. */
export function heldOutside(): number {
  return held;
}
