// The driver runs a runtime on the page's event loop. It skips a run while the runtime's activity
// (posts and timers scheduled, ever) is what its last run left; these tests pin what must still run:
// a timer it armed, once due, though nothing was posted since; work a later answer posts.
// Real clocks (a manual clock arms no setTimeout), each wait bounded; or node's mocked Date and
// setTimeout, where the test decides when time passes and when the driver's setTimeout fires.
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

// A timer fires from the event loop only (the driver's setTimeout), never in the run after a call
// into the module, though due by then: as query-core's setTimeouts, never inside the page's
// synchronous code. The flake of the real-clock test above: a loaded machine descheduled the test
// for over 5 ms inside its first write; the run after the write collected the entry there, and the
// second write made it anew, so after "removed" the cache held { v: 2 } (query-core: one entry,
// both writes, removed later).
test("a gcTime that passes during a write collects the entry from the event loop, not inside the page's next write", async (t) => {
  await mfstate.loadMfstate();
  t.mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_000_000 });
  const client = new mfstate.QueryClient();
  try {
    const events = [];
    let descheduled = false;
    client.getQueryCache().subscribe((event) => {
      events.push(event.type);
      // The page loses the processor for 6 ms inside its first write, after the entry was made.
      if (event.type === "added" && !descheduled) {
        descheduled = true;
        t.mock.timers.tick(6);
      }
    });
    client.setQueryDefaults(["short"], { gcTime: 5 });
    client.setQueryData(["short"], { v: 1 });
    client.setQueryData(["short"], { v: 2 });
    assert.deepEqual(events, ["added", "updated", "updated"], "both writes went to the one entry");
    assert.deepEqual(client.getQueryData(["short"]), { v: 2 });
    // The entry's gcTime from the second write (query-core's: from the first, already past).
    t.mock.timers.tick(5);
    assert.deepEqual(events, ["added", "updated", "updated", "removed"]);
    assert.equal(client.getQueryData(["short"]), undefined);
  } finally {
    client.clear();
  }
});

test("an entry with gcTime 0 keeps its data until the event loop's turn, as query-core's setTimeout(0)", async (t) => {
  await mfstate.loadMfstate();
  t.mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_000_000 });
  const client = new mfstate.QueryClient();
  try {
    const events = [];
    client.getQueryCache().subscribe((event) => events.push(event.type));
    client.setQueryDefaults(["zero"], { gcTime: 0 });
    client.setQueryData(["zero"], 1);
    assert.equal(client.getQueryData(["zero"]), 1);
    assert.deepEqual(events, ["added", "updated"]);
    t.mock.timers.tick(0);
    assert.deepEqual(events, ["added", "updated", "removed"]);
    assert.equal(client.getQueryData(["zero"]), undefined);
  } finally {
    client.clear();
  }
});

test("a host's timer due at once fires from the event loop, not inside the app's next call", async (t) => {
  const host = await mfstate.createHost({ listenToPage: false });
  try {
    t.mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_000_000 });
    const app = host.mount("home");
    let fired = 0;
    app.scheduleAfter(0, () => fired++);
    app.queryClient.setQueryData(["k"], 1);
    assert.equal(fired, 0);
    t.mock.timers.tick(0);
    assert.equal(fired, 1);
  } finally {
    host.dispose();
  }
});

test("on a manual clock, a timer due at once waits for advanceTime", async () => {
  await mfstate.loadMfstate();
  const client = new mfstate.QueryClient({ clock: "manual", now: 1_000_000 });
  try {
    client.setQueryDefaults(["zero"], { gcTime: 0 });
    client.setQueryData(["zero"], 1);
    client.setQueryData(["other"], 2); // another call: its run still leaves the due timer alone
    assert.equal(client.getQueryData(["zero"]), 1);
    client.advanceTime(0);
    assert.equal(client.getQueryData(["zero"]), undefined);
  } finally {
    client.clear();
  }
});

// A write of a new key answers with the runtime's activity after it, and the driver skips its check
// when that is what its last run left (most such writes: the collection timer is armed already, for
// an earlier time). These pin what must still run: a new key whose collection is due before the
// armed timer's, for a standalone client's runtime and for a host's, and a new key written by a
// cache listener inside another write.
test("a new key collected before the armed timer is due re-arms it (standalone client)", async (t) => {
  await mfstate.loadMfstate();
  t.mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_000_000 });
  const client = new mfstate.QueryClient();
  try {
    const removed = [];
    client.getQueryCache().subscribe((event) => {
      if (event.type === "removed") removed.push(event.query.queryKey[0]);
    });
    client.setQueryDefaults(["long"], { gcTime: 60_000 });
    client.setQueryDefaults(["short"], { gcTime: 5 });
    client.setQueryData(["long"], 1); // arms the driver's setTimeout a minute out
    client.setQueryData(["long", 2], 2); // nothing new: the check is skipped
    client.setQueryData(["short"], 3); // the collection timer moves to 5 ms out
    t.mock.timers.tick(5);
    assert.deepEqual(removed, ["short"]);
    assert.deepEqual(client.getQueryData(["long"]), 1);
  } finally {
    client.clear();
  }
});

test("a new key collected before the armed timer is due re-arms it (a host's client)", async (t) => {
  const host = await mfstate.createHost({ listenToPage: false });
  try {
    t.mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_000_000 });
    const app = host.mount("home");
    const client = app.queryClient;
    const removed = [];
    client.getQueryCache().subscribe((event) => {
      if (event.type === "removed") removed.push(event.query.queryKey[0]);
    });
    // Defaults are the shell's to set; the app writes.
    host.queryClient.setQueryDefaults(["long"], { gcTime: 60_000 });
    host.queryClient.setQueryDefaults(["short"], { gcTime: 5 });
    client.setQueryData(["long"], 1);
    client.setQueryData(["long", 2], 2);
    client.setQueryData(["short"], 3);
    t.mock.timers.tick(5);
    assert.deepEqual(removed, ["short"]);
  } finally {
    host.dispose();
  }
});

test("a new key a cache listener writes inside another write of a new key is collected on time", async (t) => {
  await mfstate.loadMfstate();
  t.mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_000_000 });
  const client = new mfstate.QueryClient();
  try {
    const removed = [];
    let wrote = false;
    client.getQueryCache().subscribe((event) => {
      if (event.type === "removed") removed.push(event.query.queryKey[0]);
      // Inside the outer write: the outer answer's activity is read after this one's.
      if (event.type === "added" && event.query.queryKey[0] === "outer" && !wrote) {
        wrote = true;
        client.setQueryData(["short"], 1);
      }
    });
    client.setQueryDefaults(["long"], { gcTime: 60_000 });
    client.setQueryDefaults(["outer"], { gcTime: 60_000 });
    client.setQueryDefaults(["short"], { gcTime: 5 });
    client.setQueryData(["long"], 0);
    client.setQueryData(["outer"], 2);
    assert.equal(wrote, true);
    t.mock.timers.tick(5);
    assert.deepEqual(removed, ["short"]);
  } finally {
    client.clear();
  }
});
