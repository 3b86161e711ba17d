// The driver runs a runtime on the page's event loop. It skips a run while the runtime's activity
// (posts and timers scheduled, ever) is what its last run left; these tests pin what must still run:
// a timer it armed, once due, though nothing was posted since; work a later answer posts.
// Real clocks (a manual clock arms no setTimeout), each wait bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, within } from "./helpers.mjs";

test("a timer the driver armed runs when due, though nothing was posted after the run that armed it", async () => {
  const host = await mfstate.createHost({ listenToPage: false });
  try {
    const app = host.mount("home");
    // Reads and writes to one entry between arming and firing: none posts work or schedules a timer.
    app.queryClient.setQueryData(["k"], 1);
    const fired = within(2000, "the app's timer", (done) => app.scheduleAfter(5, () => done("fired")));
    for (let i = 0; i < 100; i++) app.queryClient.setQueryData(["k"], i);
    assert.equal(await fired, "fired");
  } finally {
    host.dispose();
  }
});

test("an unobserved entry is collected after its gcTime on a real clock", async () => {
  await mfstate.loadMfstate();
  const client = new mfstate.QueryClient();
  try {
    const removed = within(2000, "the entry's removal", (done) =>
      client.getQueryCache().subscribe((event) => {
        if (event.type === "removed") done(event.query.queryKey);
      }),
    );
    client.setQueryDefaults(["short"], { gcTime: 5 });
    client.setQueryData(["short"], { v: 1 });
    // Another write after the timer is armed changes nothing the driver must run for.
    client.setQueryData(["short"], { v: 2 });
    assert.deepEqual(await removed, ["short"]);
    assert.equal(client.getQueryData(["short"]), undefined);
  } finally {
    client.clear();
  }
});

test("an answer arriving after the last run reaches the observer", async () => {
  const host = await mfstate.createHost({ listenToPage: false });
  try {
    const app = host.mount("home");
    let answer;
    const observer = new mfstate.QueryObserver(app.queryClient, {
      queryKey: ["late"],
      queryFn: () => new Promise((resolve) => (answer = resolve)),
    });
    const seen = within(2000, "the observer's data", (done) =>
      observer.subscribe((r) => {
        if (r.data !== undefined) done(r.data);
      }),
    );
    // The fetch started; nothing is left to run until the answer arrives.
    assert.equal(typeof answer, "function");
    setTimeout(() => answer({ name: "John" }), 1);
    assert.deepEqual(await seen, { name: "John" });
  } finally {
    host.dispose();
  }
});
