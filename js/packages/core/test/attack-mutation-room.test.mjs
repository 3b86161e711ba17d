// A hostile app's mutations that never settle, left behind by its unmount. An app's mutations run
// on the shell's client, so the unmount does not end them: an answer after it still settles one
// (test/mutation-late-answer.test.mjs; as TanStack's: a user saves, navigates away, the save lands
// and the shell's MutationCache callbacks run). Before, each such mutation kept its watch in the
// module's handle table and its attempt's entry in the completion table (2^20 each for the page)
// for good, and stayed counted on the gone app: a shell remounting such an app 16 times (each mount
// a fresh 65,536) filled them, and every other app's mutations and fetches failed with size_limit.
// Now those still pending at the unmount move to one page-wide room for ended apps' mutations
// (MAX_ORPHANED_MUTATIONS, each app's oldest first, shared fairly among apps:
// test/attack-mutation-room-fair.test.mjs); the others are abandoned as the C++ AppQueryClient's
// end abandons an app's: their signal aborts, the module drops their completion entry, and they
// fail as cancelled, which the shell's mutation cache hears. A settled orphan gives its place back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mfstate, pendingMutations as pending, settle } from "./helpers.mjs";
import { api } from "../lib/wasm.js";
import { MAX_ORPHANED_MUTATIONS, orphanedMutationCount } from "../lib/query/room.js";

const { createHost, MutationObserver } = mfstate;


/** Another app can still mutate and fetch. */
async function victimStillWorks(host) {
  const victim = host.mount(`victim${Math.random()}`);
  assert.equal(await new MutationObserver(victim.queryClient, { mutationFn: async (v) => v * 2 }).mutate(21), 42);
  assert.equal(await victim.queryClient.fetchQuery({ queryKey: ["victim"], queryFn: () => 7 }), 7);
  victim.unmount();
}

test("an unmounted app's pending mutations: the page keeps MAX_ORPHANED_MUTATIONS of them, and abandons the rest", async () => {
  assert.equal(MAX_ORPHANED_MUTATIONS, 4096);
  const host = await createHost({ clock: "manual", listenToPage: false });
  const heard = [];
  host.queryClient.getMutationCache().subscribe((e) => {
    if (e.type === "updated" && e.action.type === "error") heard.push(e.mutation.state.error.code);
  });
  const mallory = host.mount("mallory");
  const extra = 50;
  const { answers, signals, outcomes } = await pending(mallory, MAX_ORPHANED_MUTATIONS + extra);
  const base = orphanedMutationCount();
  mallory.unmount();
  await settle(20);
  // The oldest stay, the newest past the room are abandoned.
  assert.equal(orphanedMutationCount() - base, MAX_ORPHANED_MUTATIONS);
  const abandoned = await Promise.all(outcomes.slice(-extra));
  for (const o of abandoned) assert.equal(o.error?.code, "cancelled", String(o.error));
  assert.equal(heard.filter((c) => c === "cancelled").length, extra, "the shell's cache heard each");
  assert.deepEqual(signals.map((s, i) => s.aborted !== i >= MAX_ORPHANED_MUTATIONS), signals.map(() => false));
  // A kept one's answer still settles it, and gives its place back.
  answers[0]("late");
  assert.equal((await outcomes[0]).data, "late");
  assert.equal(orphanedMutationCount() - base, MAX_ORPHANED_MUTATIONS - 1);
  await victimStillWorks(host);
  host.dispose();
  await settle(20);
  assert.equal(orphanedMutationCount(), base, "the host's end cancelled the rest, which gave their places back");
});

test("past the page's room, every pending mutation of an app holding it all is abandoned: its signal aborts, and a late answer does nothing", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  // The room full of one app's, which the shell mounts again (the same app: its newcomers have no
  // other app's place to take).
  const hoarder = host.mount("hoarder");
  const kept = await pending(hoarder, MAX_ORPHANED_MUTATIONS - orphanedMutationCount());
  hoarder.unmount();
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  const heard = [];
  host.queryClient.getMutationCache().subscribe((e) => {
    if (e.type === "updated" && e.action.type === "error") heard.push(e.mutation.state.error.code);
  });
  const mallory = host.mount("hoarder");
  const { answers, signals, outcomes } = await pending(mallory, 100);
  // And in one scope (one runs, the others wait for it; abandoned newest first, each leaves the
  // line at its end).
  const scoped = await pending(mallory, 100, { scope: { id: "save" } }, 1);
  mallory.unmount();
  const results = await Promise.all(outcomes);
  assert.deepEqual(new Set(results.map((r) => r.error?.code)), new Set(["cancelled"]));
  assert.ok(signals.every((s) => s.aborted), "each function's signal aborted");
  const scopedResults = await Promise.all(scoped.outcomes);
  assert.deepEqual(new Set(scopedResults.map((r) => r.error?.code)), new Set(["cancelled"]));
  assert.equal(scoped.signals.length, 1, "none waiting in the scope ran");
  assert.equal(scoped.signals[0].aborted, true);
  assert.equal(heard.length, 200);
  // A late answer finds its completion gone (the module dropped it once): nothing settles twice,
  // nothing throws.
  for (const answer of answers) answer("late");
  await settle(20);
  assert.deepEqual((await Promise.all(outcomes)).map((r) => r.error?.code), results.map((r) => r.error?.code));
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  // A settled orphan gives its place back: its next unmount keeps one.
  kept.answers[0]("done");
  await settle(20);
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS - 1);
  const next = host.mount("hoarder");
  const two = await pending(next, 2);
  next.unmount();
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  assert.equal((await two.outcomes[1]).error?.code, "cancelled");
  two.answers[0]("kept");
  assert.equal((await two.outcomes[0]).data, "kept");
  await victimStillWorks(host);
  host.dispose();
  await settle(20);
  assert.equal(orphanedMutationCount(), 0);
});

test("an ended app's mutations kept waiting in one scope fail one after another when the one ahead settles", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const mallory = host.mount("mallory");
  const n = MAX_ORPHANED_MUTATIONS - orphanedMutationCount();
  const { answers, outcomes } = await pending(mallory, n, { scope: { id: "save" } }, 1);
  mallory.unmount();
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  // Its answer settles the one running; each one waiting then starts and fails (none of the gone
  // app's code runs). Each started the next from inside its own failure before, and the stack ran
  // out (the module stopped for the whole page).
  answers[0]("saved");
  assert.equal((await outcomes[0]).data, "saved");
  const waited = await Promise.all(outcomes.slice(1));
  assert.deepEqual(new Set(waited.map((o) => o.error?.code)), new Set(["app_unmounted"]));
  assert.equal(answers.length, 1);
  assert.equal(orphanedMutationCount(), 0);
  await victimStillWorks(host);
  host.dispose();
});

test("a shell remounting an app whose mutations never settle: nothing grows in the module", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const hoarder = host.mount("hoarder");
  await pending(hoarder, MAX_ORPHANED_MUTATIONS - orphanedMutationCount());
  hoarder.unmount();
  const residue = [];
  for (let round = 0; round < 4; round++) {
    const before = api.mfs_heap_used();
    const app = host.mount("hoarder");
    const { outcomes } = await pending(app, 2000);
    app.unmount();
    await Promise.all(outcomes);
    // Settled, they leave the package's cache after its gcTime (query-core's 5 minutes; the
    // module's, at once: test/mutation-module-copy.test.mjs).
    host.advanceTime(5 * 60 * 1000 + 1);
    await settle(20);
    residue.push(api.mfs_heap_used() - before);
  }
  // Each round's mutations kept their watches and completion entries for good before.
  assert.ok(residue[2] < 32 * 1024 && residue[3] < 32 * 1024, `unmounted apps' mutations left ${residue} bytes`);
  await victimStillWorks(host);
  host.dispose();
});
