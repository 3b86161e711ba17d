// An app's end costs what it holds, not what the page holds: a hostile app holding 65,000 handles
// must not freeze the shell's unmount of it, or of another app, for seconds. Before, the module
// removed each cache listener and each inspector by searching the page's list of them and
// shifting the rest: ending n of them among m cost O(n * m), and an app's own 65,000 took 4 s
// (cache listeners) and 10 s (inspectors) to end. (Observers of one key: the C++ test
// query_app_end_cost_test, as 65,000 of them take seconds to make from here.)
//
// Not a time limit (a loaded machine can stretch any): the time to unmount an app holding 4,096
// handles with the page holding no others, against the time with the page holding 240,000 more
// (inspectors: 120,000). Equal costs give a ratio near 1; before, it was 41. The test fails past 8.
import assert from "node:assert/strict";
import { test } from "node:test";
import { performance } from "node:perf_hooks";
import { mfstate, settle } from "./helpers.mjs";

const OWN = 4096;
const FACTOR = 8;

/** An app of `host` holding OWN handles made by `hold(app)`. */
function holding(host, hold) {
  const app = host.mount(`own${Math.random()}`);
  for (let i = 0; i < OWN; i++) hold(app);
  return app;
}

/** The median of the times `app.unmount()` takes for each of `apps`. */
async function medianUnmount(apps) {
  await settle(10);
  const times = apps.map((app) => {
    const t0 = performance.now();
    app.unmount();
    return performance.now() - t0;
  });
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/**
 * The unmount of an app holding OWN handles of a kind costs the same on a host where `others` apps
 * hold `each` more of that kind as on one where none does (both in the same page, so in the same
 * heap). Its handles are made first (each of the others' shifted them before, or was searched
 * past).
 */
async function assertOwnCostOnly(hold, { others, each }) {
  // The crowded host first: it is the page's (page_room.ts), whose apps may hold 240,000; the quiet
  // one's 16,384 count against the page's bound for what is outside the page's host.
  const crowded = await mfstate.createHost({ clock: "manual", listenToPage: false });
  const quiet = await mfstate.createHost({ clock: "manual", listenToPage: false });
  await medianUnmount([holding(quiet, hold)]); // warms up
  const own = [0, 1, 2].map(() => holding(crowded, hold));
  for (let a = 0; a < others; a++) {
    const other = crowded.mount(`other${a}`);
    for (let i = 0; i < each; i++) hold(other);
  }
  const alone = await medianUnmount([0, 1, 2].map(() => holding(quiet, hold)));
  const among = await medianUnmount(own);
  quiet.dispose();
  crowded.dispose();
  const ratio = among / Math.max(alone, 0.5);
  assert.ok(ratio < FACTOR, `unmounting ${OWN} handles: ${alone.toFixed(1)} ms alone, ${among.toFixed(1)} ms among ${others * each} more (x${ratio.toFixed(1)})`);
}

test("an app's end costs its own query cache listeners only", async () => {
  const hold = (app) => app.queryClient.getQueryCache().subscribe(() => {});
  await assertOwnCostOnly(hold, { others: 4, each: 60000 });
});

test("an app's end costs its own inspectors only", async () => {
  // Each of them shifted the page's list of inspectors once more, before; and until each event
  // cost only the inspectors that hear it (attack-inspector-crowd.test.mjs), the unmount's events
  // each asked the page's 120,000, so this compared an app holding 16 times as many as another.
  const hold = (app) => app.inspect(() => {});
  await assertOwnCostOnly(hold, { others: 2, each: 60000 });
});
