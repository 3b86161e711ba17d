// A hostile app fills the page's room for ended apps' mutations (query/room.ts,
// MAX_ORPHANED_MUTATIONS) to undo other apps' work. Its mutations never settle, and it leaves 4,096
// of them pending at its unmount (or the shell remounts it a few times). The room kept the first
// come, so from then on every honest app unmounted with a save in flight had the save abandoned
// (cancelled, its signal aborted). Now the room is shared fairly. When it is full, a newcomer takes
// the place of the oldest mutation of the party holding the most, if that party holds more than the
// newcomer's own party. A party is an app of the page's host by name, or everything outside the page's
// host together. So the flood costs only the flooder's own.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mfstate, pendingMutations as pending, settle } from "./helpers.mjs";
import { MAX_ORPHANED_MUTATIONS, orphanedMutationCount } from "../lib/query/room.js";

const { createHost } = mfstate;

/** How many of the mutations `pending` started are still under way (their signals not aborted). */
const underWay = (p) => p.signals.filter((s) => !s.aborted).length;

/** The room full of mallory's: the shell mounts it three times, and each time it leaves 1,500 pending. */
async function flooded(host) {
  const floods = [];
  for (let i = 0; i < 3; i++) {
    const mallory = host.mount("mallory");
    floods.push(await pending(mallory, 1500));
    mallory.unmount();
  }
  await settle(20);
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  return floods;
}

test("a flood of never-settling mutations cannot take an honest app's save: the save takes the flooder's oldest place", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const heard = [];
  host.queryClient.getMutationCache().subscribe((e) => {
    if (e.type === "updated" && (e.action.type === "success" || e.action.type === "error")) heard.push(e.mutation.state.data ?? e.mutation.state.error.code);
  });
  const floods = await flooded(host);
  assert.equal(floods.map(underWay).reduce((a, b) => a + b), MAX_ORPHANED_MUTATIONS);
  heard.length = 0;
  const editor = host.mount("editor");
  const saves = await pending(editor, 3);
  editor.unmount();
  await settle(20);
  assert.equal(underWay(saves), 3, "the saves run on");
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  // Mallory's three oldest gave their places: cancelled, as the shell's cache heard.
  const oldest = await Promise.all(floods[0].outcomes.slice(0, 3));
  assert.deepEqual(oldest.map((o) => o.error?.code), ["cancelled", "cancelled", "cancelled"]);
  assert.deepEqual(floods[0].signals.slice(0, 4).map((s) => s.aborted), [true, true, true, false]);
  assert.deepEqual(heard, ["cancelled", "cancelled", "cancelled"]);
  // The saves land after the unmount, as TanStack's.
  saves.answers.forEach((answer, i) => answer(`saved ${i}`));
  assert.deepEqual(
    (await Promise.all(saves.outcomes)).map((o) => o.data),
    ["saved 0", "saved 1", "saved 2"],
  );
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS - 3, "and give their places back");
  host.dispose();
  await settle(20);
  assert.equal(orphanedMutationCount(), 0);
});

test("an app holding no more than another keeps its places: a later flood loses only its own", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const editor = host.mount("editor");
  const saves = await pending(editor, 10);
  editor.unmount();
  const mallory = host.mount("mallory");
  const flood = await pending(mallory, MAX_ORPHANED_MUTATIONS + 100);
  mallory.unmount();
  await settle(20);
  assert.equal(underWay(saves), 10);
  assert.equal(underWay(flood), MAX_ORPHANED_MUTATIONS - 10, "mallory's newest past its share were abandoned");
  assert.deepEqual(flood.signals.map((s, i) => s.aborted === i >= MAX_ORPHANED_MUTATIONS - 10), flood.signals.map(() => true));
  // Remounted, it takes nothing more: it holds the most.
  const again = host.mount("mallory");
  const more = await pending(again, 50);
  again.unmount();
  await settle(20);
  assert.equal(underWay(more), 0);
  assert.equal(underWay(saves), 10);
  host.dispose();
  await settle(20);
  assert.equal(orphanedMutationCount(), 0);
});

test("several apps ended with mutations pending share the full room evenly", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const floods = await flooded(host);
  const apps = [];
  for (const name of ["a", "b", "c"]) {
    const app = host.mount(name);
    apps.push(await pending(app, 2000));
    app.unmount();
  }
  await settle(20);
  const held = [floods.map(underWay).reduce((x, y) => x + y), ...apps.map(underWay)];
  assert.equal(held.reduce((x, y) => x + y), MAX_ORPHANED_MUTATIONS);
  assert.ok(Math.max(...held) - Math.min(...held) <= 1, `each holds a quarter: ${held}`);
  host.dispose();
  await settle(20);
  assert.equal(orphanedMutationCount(), 0);
});

test("everything outside the page's host is one party: a host of its own mounting many names takes no more than one app's share", async () => {
  // The page's host is the first made; the hostile app makes its own and mounts names at will.
  const page = await createHost({ clock: "manual", listenToPage: false });
  const own = await createHost({ clock: "manual", listenToPage: false });
  const floods = [];
  for (let i = 0; i < 16; i++) {
    const app = own.mount(`mallory${i}`);
    floods.push(await pending(app, 256));
    app.unmount();
  }
  await settle(20);
  assert.equal(orphanedMutationCount(), MAX_ORPHANED_MUTATIONS);
  // Counted per name, each of the 16 held 256, and the editor kept no more than 256 of its saves.
  const editor = page.mount("editor");
  const saves = await pending(editor, 300);
  editor.unmount();
  await settle(20);
  assert.equal(underWay(saves), 300);
  assert.equal(floods.map(underWay).reduce((a, b) => a + b), MAX_ORPHANED_MUTATIONS - 300);
  own.dispose();
  page.dispose();
  await settle(20);
  assert.equal(orphanedMutationCount(), 0);
});
