// An app's end costs what it holds, not what the page holds: a hostile app holding 65,000 handles
// must not freeze the shell's unmount of it, or of another app, for seconds. Before, the module
// removed each cache listener and each inspector by searching the page's list of them and
// shifting the rest: ending n of them among m cost O(n * m), and an app's own 65,000 took 4 s
// (cache listeners) and 10 s (inspectors) to end. (Observers of one key: the C++ test
// query_app_end_cost_test, as 65,000 of them take seconds to make from here.)
//
// Not a time limit (a loaded machine can stretch any): the time to unmount an app holding 4,096
// handles with the page holding no others, against the time with the page holding 240,000 more
// (inspectors: below). Equal costs give a ratio near 1; before, it was 41. The test fails past 8.
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
  // Here, an app holding 16 times as many inspectors as another, among 120,000 of other apps',
  // costs about as much to end. Before, each of them shifted the page's list of inspectors once
  // more (x16).
  const host = await mfstate.createHost({ clock: "manual", listenToPage: false });
  const hold = (app) => app.inspect(() => {});
  const few = (n) => {
    const app = host.mount(`own${Math.random()}`);
    for (let i = 0; i < n; i++) hold(app);
    return app;
  };
  const small = [0, 1, 2].map(() => few(OWN / 16));
  const large = [0, 1, 2].map(() => few(OWN));
  for (let a = 0; a < 2; a++) {
    const other = host.mount(`other${a}`);
    for (let i = 0; i < 60000; i++) hold(other);
  }
  const smallTime = await medianUnmount(small);
  const largeTime = await medianUnmount(large);
  host.dispose();
  const ratio = largeTime / Math.max(smallTime, 0.5);
  assert.ok(ratio < FACTOR, `unmounting ${OWN} inspectors among 120000: ${largeTime.toFixed(1)} ms; ${OWN / 16}: ${smallTime.toFixed(1)} ms (x${ratio.toFixed(1)})`);
});
