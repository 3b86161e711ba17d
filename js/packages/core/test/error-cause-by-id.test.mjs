// A failure the module reports to the shell's error sink (createHost({onError})) names what the
// failing callback threw by its id, never by its message: a hostile app throwing, in the same
// outermost call, a value whose message the victim's failure ends with is not handed to the shell
// as the victim's cause. And a module error with no JavaScript value behind it has no cause.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost } from "./helpers.mjs";

// The victim throws an error with no message (its own then matches no report by message); the
// hostile app, earlier in the same call, throws one whose message is how the victim's report ends.
const CRAFTED = 'in app "victim" threw: ';

/** The error whose message starts with `start` (the start says whose it is; the hostile words are at the end). */
const ofApp = (errors, start) => errors.find((e) => e.message.startsWith(start));

/** A host with a hostile app mounted before its victim. */
async function twoApps() {
  const { host, errors } = await testHost();
  return { host, errors, mallory: host.mount("mallory"), victim: host.mount("victim") };
}

/** The shell heard one failure per app of `causes`, the one starting `startOf(app)`, with that app's own thrown value. */
function assertOwnCauses(errors, startOf, causes) {
  assert.equal(errors.length, Object.keys(causes).length, errors.map((e) => e.message).join("; "));
  for (const [app, cause] of Object.entries(causes)) assert.equal(ofApp(errors, startOf(app))?.cause, cause, startOf(app));
}

/** A callback that throws `value`. */
const thrower = (value) => () => {
  throw value;
};

test("bus: each app's listener failure names its own thrown object, in one delivery through the module", async () => {
  const { host, errors, mallory, victim } = await twoApps();
  const shell = host.platform;
  // An inspector makes the emit go through the module (no plain delivery).
  const stop = host.inspector.subscribe(() => {});
  const victims = new RangeError();
  const hostile = Object.assign(new Error(CRAFTED), { secret: "mallory's object" });
  // Mallory's listener hears the message first.
  mallory.on("news/t", thrower(hostile));
  victim.on("news/t", thrower(victims));
  shell.emit("news/t", 1);
  stop();
  const ofVictim = ofApp(errors, 'a subscriber of topic "news/t" in app "victim"');
  assert.equal(ofVictim?.code, "listener_error");
  assert.ok(ofVictim.message.endsWith(CRAFTED), "the hostile words are how the victim's report ends");
  assertOwnCauses(errors, (app) => `a subscriber of topic "news/t" in app "${app}"`, { victim: victims, mallory: hostile });
  host.dispose();
});

test("store subscribers: a failure names the subscriber's own thrown value, not another's of the same message", async () => {
  const { host, errors, mallory, victim } = await twoApps();
  const stop = host.inspector.subscribe(() => {});
  const reducer = (s, a) => (a.type === "INC" ? { n: s.n + 1 } : s);
  const malloryStore = mallory.createStore({ n: 0 }, reducer);
  const victimStore = victim.createStore({ n: 0 }, reducer);
  const victims = new TypeError();
  const hostile = new Error('of app "victim" threw: ');
  victimStore.subscribe(thrower(victims));
  malloryStore.subscribe(thrower(hostile));
  // One outermost call: both stores change in one transaction, their subscribers told at its end.
  host.transaction(() => {
    malloryStore.dispatch({ type: "INC" });
    victimStore.dispatch({ type: "INC" });
  });
  stop();
  assertOwnCauses(errors, (app) => `a subscriber of app "${app}"`, { victim: victims, mallory: hostile });
  host.dispose();
});

test("export watchers: each watcher's failure names its own thrown value", async () => {
  const { host, errors, mallory, victim } = await twoApps();
  const shell = host.platform;
  const store = shell.createStore({ n: 0 }, (s, a) => (a.type === "INC" ? { n: s.n + 1 } : s));
  shell.expose("n", (s) => s.n);
  const victims = new TypeError();
  const hostile = new Error('in app "victim" threw: ');
  let armed = false;
  mallory.watch("platform", "n", () => {
    if (armed) throw hostile;
  });
  victim.watch("platform", "n", () => {
    if (armed) throw victims;
  });
  armed = true;
  store.dispatch({ type: "INC" });
  assertOwnCauses(errors, (app) => `a watcher of export platform/n in app "${app}"`, { victim: victims, mallory: hostile });
  host.dispose();
});

test("timers: each app's timer failure names its own thrown value", async () => {
  const { host, errors, mallory, victim } = await twoApps();
  const victims = new RangeError();
  const hostile = new Error('a timer of app "victim" threw: ');
  mallory.scheduleAfter(10, thrower(hostile));
  victim.scheduleAfter(10, thrower(victims));
  host.advanceTime(10); // one outermost call fires both
  assertOwnCauses(errors, (app) => `a timer of app "${app}"`, { victim: victims, mallory: hostile });
  host.dispose();
});

// A selector's failure is reported when the export is next told to its watchers, not where it
// threw: the value is kept with the memo until then.
test("export selectors: a selector's failure names what it threw; a value breaking the schema has no cause", async () => {
  const { host, errors, mallory, victim } = await twoApps();
  const shell = host.platform;
  const stop = host.inspector.subscribe(() => {});
  const store = victim.createStore({ n: 0 }, (s, a) => (a.type === "SET" ? { n: a.payload } : s));
  const victims = new RangeError();
  victim.expose("x", (s) => {
    if (s.n === "throw") throw victims;
    return s.n;
  }, { schema: { type: "number" } });
  shell.watch("victim", "x", () => {});
  victim.accept("victim/set", { handler: (a) => store.dispatch({ type: "SET", payload: a.payload }) });
  // Mallory's listener throws first, in the same delivery that makes the victim's export fail.
  let crafted = "";
  mallory.on("go", () => {
    throw new Error(crafted);
  });
  victim.on("go", (p) => store.dispatch({ type: "SET", payload: p }));

  crafted = "the selector of export victim/x threw: ";
  shell.emit("go", "throw");
  const thrown = ofApp(errors, "the selector of export victim/x");
  assert.ok(thrown, errors.map((e) => e.message).join("; "));
  assert.equal(thrown.cause, victims, "the selector's own value");

  crafted = "(root): expected number, got string";
  shell.emit("go", "a string");
  const broken = ofApp(errors, "export victim/x (which must satisfy its own schema)");
  assert.ok(broken, errors.map((e) => e.message).join("; "));
  assert.ok(broken.message.endsWith(crafted));
  assert.equal(broken.cause, undefined, "nothing was thrown: no cause");
  stop();
  host.dispose();
});

// The module tells query observers and cache listeners as the runtime's notifications, and a
// failing one is reported as "a notification threw: <its message>", naming no app.
test("query observers: each observer's failure names its own thrown value", async () => {
  const { host, errors, mallory, victim } = await twoApps();
  const victims = new RangeError();
  const hostile = new Error("a notification threw: ");
  let armed = false;
  mallory.observe({ queryKey: ["k"], enabled: false }, () => {
    if (armed) throw hostile;
  });
  victim.observe({ queryKey: ["k"], enabled: false }, () => {
    if (armed) throw victims;
  });
  armed = true;
  host.queryClient.setQueryData(["k"], 1); // one call tells both
  assert.equal(errors.length, 2, errors.map((e) => e.message).join("; "));
  assert.equal(errors.find((e) => e.message === "a notification threw: ")?.cause, victims);
  assert.equal(errors.find((e) => e.message === "a notification threw: a notification threw: ")?.cause, hostile);
  host.dispose();
});
