// A hostile app that calls createHost() itself (any code of the page can: it is one of the package's
// exports) against the module's tables, which serve the whole page (2^20 entries each). The
// shell's host, the first created on the page, is its owner; every other host, each app mounted on
// it and everything the host and its apps hold count against one page-wide bound, shared with the
// standalone clients (src/page_room.ts). Before, a second host's own handles were counted nowhere
// (the shell's are not), and its apps each had the 65,536 of an app: an app filled the module's
// subscription table through its own host's inspector in under three seconds, and every other
// app's subscribe, timer and observer failed with size_limit; or it mounted a million apps on its
// own host, and the shell's next mount failed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mfstate, settle } from "./helpers.mjs";
import { heldOutside, MAX_OUTSIDE_HANDLES } from "../lib/page_room.js";

const { createHost, MutationObserver, QueryClient, QueryObserver } = mfstate;

// The shell's host: the first of this process (each test file runs in a process of its own).
const shell = await createHost({ clock: "manual", listenToPage: false });
const mallory = shell.mount("mallory");

/**
 * Calls `take` until it throws, at most twice the bound (unbounded, it went on to the table's
 * 2^20 and only then threw); returns how many got through and the error.
 */
function exhaust(take, most = 2 * MAX_OUTSIDE_HANDLES) {
  let n = 0;
  try {
    for (; n <= most; n++) take(n);
  } catch (e) {
    return { n, error: e };
  }
  return { n, error: undefined };
}

/** Everything an app of the shell does that takes a module handle still works. */
async function victimStillWorks() {
  const victim = shell.mount(`victim${Math.random()}`);
  victim.createStore({ n: 0 }, (s, a) => (a.type === "inc" ? { n: s.n + 1 } : s));
  const told = new Set();
  const key = ["victim", victim.name];
  const ends = [
    victim.subscribe(() => told.add("store")),
    victim.scheduleAfter(5, () => told.add("timer")),
    victim.observe({ queryKey: key, queryFn: () => ({ name: "v" }) }, (r) => r.data && told.add("query")),
    victim.queryClient.getQueryCache().subscribe(() => {}),
    victim.on("victim/**", () => {}),
    victim.inspect(() => {}),
  ];
  victim.dispatch({ type: "inc" });
  shell.advanceTime(10);
  await settle(20);
  const paid = await new MutationObserver(victim.queryClient, { mutationFn: async (v) => v * 2 }).mutate(21);
  for (const end of ends) end();
  assert.deepEqual([...told].sort(), ["query", "store", "timer"]);
  assert.equal(paid, 42);
  victim.unmount();
}

test("a host of the app's own: its inspector subscriptions count against the page's bound, not the module's table", async () => {
  const before = heldOutside();
  // What the hostile app does, with the package's exports alone.
  const own = await createHost({ clock: "manual", listenToPage: false });
  const ends = [];
  const { n, error } = exhaust(() => ends.push(own.inspector.subscribe(() => {})));
  assert.equal(error?.code, "size_limit", `a second host held ${n} inspector subscriptions`);
  assert.match(error.message, /outside the page's host .* holds 65536 handles/);
  assert.ok(n < MAX_OUTSIDE_HANDLES);
  await victimStillWorks();
  // Mallory's own app, on the shell's host, is bounded by its own 65,536 alone.
  const end = mallory.scheduleAfter(1, () => {});
  end();
  for (const end of ends) end();
  own.dispose();
  assert.equal(heldOutside(), before, "the ended subscriptions and the disposed host gave their room back");
});

test("apps mounted on a host of the app's own count, each, against the page's bound; the shell still mounts", async () => {
  const before = heldOutside();
  const own = await createHost({ clock: "manual", listenToPage: false });
  const { n, error } = exhaust((i) => own.mount(`a${i}`));
  assert.equal(error?.code, "size_limit", `a second host mounted ${n} apps`);
  assert.ok(n < MAX_OUTSIDE_HANDLES - before);
  assert.equal(own.isMounted(`a${n}`), false, "the refused mount left nothing");
  const later = shell.mount("later");
  assert.equal(shell.isMounted("later"), true);
  later.unmount();
  own.dispose();
  assert.equal(heldOutside(), before, "the host's disposal gave back the room of it and each of its apps");
});

test("what the apps of a host of the app's own hold counts against the page's bound together, not 65,536 each", async () => {
  const before = heldOutside();
  const own = await createHost({ clock: "manual", listenToPage: false });
  const apps = Array.from({ length: 4 }, (_, i) => own.mount(`m${i}`));
  let total = 0;
  for (const app of apps) {
    const { n, error } = exhaust(() => app.on(`${app.name}/${Math.random()}`, () => {}));
    assert.equal(error?.code, "size_limit");
    total += n;
  }
  assert.ok(total < MAX_OUTSIDE_HANDLES, `four apps of a second host held ${total} subscriptions`);
  await victimStillWorks();
  // Ended at unmount: each app's room comes back.
  for (const app of apps) app.unmount();
  const again = apps[0].name;
  const back = own.mount(again);
  const end = back.on(`${again}/x`, () => {});
  end();
  own.dispose();
  assert.equal(heldOutside(), before);
});

test("a second host's shared client: its cache listeners, observers and fetches in flight count against the page's bound", async () => {
  const before = heldOutside();
  const own = await createHost({ clock: "manual", listenToPage: false });
  const cache = own.queryClient.getQueryCache();
  const ends = [];
  const listeners = exhaust(() => ends.push(cache.subscribe(() => {})));
  assert.equal(listeners.error?.code, "size_limit", `a second host's client held ${listeners.n} cache listeners`);
  // Full: an observer of it is refused too, and so is a fetch (as its query's error).
  assert.throws(() => new QueryObserver(own.queryClient, { queryKey: ["o"], enabled: false }).subscribe(() => {}), { code: "size_limit" });
  await assert.rejects(own.queryClient.fetchQuery({ queryKey: ["f"], queryFn: () => 1, retry: false }), { code: "size_limit" });
  await victimStillWorks();
  // A host's disposal does not end what its client handed out (the module's table keeps them until
  // each is ended): ended here, they give their room back.
  for (const end of ends) end();
  own.dispose();
  assert.equal(heldOutside(), before);
});

test("standalone clients share the bound with other hosts: a full page refuses their observers, and takes them again once room is given back", async () => {
  const before = heldOutside();
  const own = await createHost({ clock: "manual", listenToPage: false });
  const client = new QueryClient({ clock: "manual" });
  const ends = [];
  const { error } = exhaust(() => ends.push(own.inspector.subscribe(() => {})));
  assert.equal(error?.code, "size_limit");
  const observe = () => new QueryObserver(client, { queryKey: ["s"], enabled: false }).subscribe(() => {});
  assert.throws(observe, { code: "size_limit" });
  assert.equal(heldOutside(), MAX_OUTSIDE_HANDLES, "the refused observer took nothing");
  ends.pop()();
  observe()();
  for (const end of ends) end();
  own.dispose();
  assert.equal(heldOutside(), before);
});

test("a host refused room is made whole or not at all: the host and its platform app are taken together", async () => {
  const before = heldOutside();
  const own = await createHost({ clock: "manual", listenToPage: false });
  const ends = [];
  exhaust(() => ends.push(own.inspector.subscribe(() => {})));
  // One place left: a host needs two (itself and its platform app).
  ends.pop()();
  assert.equal(heldOutside(), MAX_OUTSIDE_HANDLES - 1);
  await assert.rejects(createHost({ clock: "manual", listenToPage: false }), { code: "size_limit" });
  assert.equal(heldOutside(), MAX_OUTSIDE_HANDLES - 1, "the refused host holds nothing");
  for (const end of ends) end();
  own.dispose();
  assert.equal(heldOutside(), before);
});

test("the page's host is the first created while the page has none: disposed, the next host created takes its place", async () => {
  // Last: the shell's host goes.
  const second = await createHost({ clock: "manual", listenToPage: false });
  const before = heldOutside();
  const end = second.inspector.subscribe(() => {});
  assert.equal(heldOutside(), before + 1, "a host created after the page's is outside it");
  end();
  shell.dispose();
  const next = await createHost({ clock: "manual", listenToPage: false });
  assert.equal(heldOutside(), before, "the next host created after the page's disposal is the page's");
  const ends = [next.inspector.subscribe(() => {}), next.mount("a").on("a/x", () => {})];
  assert.equal(heldOutside(), before, "what the page's host holds is not counted");
  for (const e of ends) e();
  const third = await createHost({ clock: "manual", listenToPage: false });
  assert.equal(heldOutside(), before + 2, "only one host is the page's (another is two handles: itself and its platform app)");
  for (const h of [third, next, second]) h.dispose();
  assert.equal(heldOutside(), before - 2);
});
