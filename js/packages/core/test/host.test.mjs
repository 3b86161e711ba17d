import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, testHost, initialUser, counterReducer, settle } from "./helpers.mjs";

test("the shell mounts itself as platform; mount returns each app's capability", async () => {
  const { host } = await testHost();
  assert.equal(host.platform.name, "platform");
  assert.throws(() => host.mount("platform"), (e) => e.code === "name_reserved");
  const home = host.mount("home", { version: "1.2.0" });
  assert.ok(home instanceof mfstate.App);
  assert.equal(home.name, "home");
  assert.equal(home.version, "1.2.0");
  assert.ok(home.mounted);
  assert.ok(host.isMounted("home"));
  assert.deepEqual([...host.apps()], ["platform", "home"]);
  assert.throws(() => host.mount("home"), (e) => e.code === "app_already_mounted");
  assert.throws(() => host.mount(""), (e) => e.code === "invalid_argument");
  host.dispose();
});

test("unmount releases the app: its handle stops acting, the name can be mounted again", async () => {
  const { host } = await testHost();
  const home = host.mount("home");
  home.createStore(initialUser(), counterReducer);
  home.unmount();
  home.unmount();
  assert.equal(home.mounted, false);
  assert.ok(!host.isMounted("home"));
  assert.throws(() => home.dispatch({ type: "INC" }), (e) => e.code === "app_unmounted");
  assert.throws(() => home.getState(), (e) => e.code === "app_unmounted");
  const again = host.mount("home");
  again.createStore({ count: 10 }, counterReducer);
  assert.equal(again.getState().count, 10);
  host.dispose();
});

test("the platform is mounted while its host lives, until its own unmount", async () => {
  const { host } = await testHost();
  assert.equal(host.platform.mounted, true);
  const other = (await testHost()).host;
  other.dispose();
  assert.equal(other.platform.mounted, false);
  host.platform.unmount();
  assert.equal(host.platform.mounted, false);
  host.dispose();
});

test("dispose unmounts every app; the handles become inert", async () => {
  const { host } = await testHost();
  const home = host.mount("home");
  host.dispose();
  host.dispose();
  assert.equal(home.mounted, false);
  assert.throws(() => home.emit("a", 1), (e) => e.code === "app_unmounted");
  assert.throws(() => host.mount("x"), (e) => e.code === "invalid_argument");
});

test("Apps and Hosts cannot be constructed by hand", async () => {
  const { host } = await testHost();
  assert.throws(() => new mfstate.App(Symbol("mfstate.App"), 1, {}, "home", ""), (e) => e.code === "refused");
  assert.throws(() => new mfstate.Host(Symbol("mfstate.Host"), {}), (e) => e.code === "refused");
  assert.throws(() => new host.platform.constructor(undefined, 1), (e) => e.code === "refused");
  host.dispose();
});

test("mount(manifest) holds the app to its manifest", async () => {
  const { host, errors } = await testHost();
  const manifest = {
    name: "profile",
    version: "1.1.0",
    exports: { user: { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
    commands: { "profile/rename": { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
    topics: { publishes: { "profile/user-renamed": { type: "object", required: ["userId"] } } },
  };
  const profile = host.mount(manifest);
  assert.equal(profile.name, "profile");
  assert.equal(profile.version, "1.1.0");
  profile.createStore({ user: { name: "John" } }, (s, a) => (a.type === "profile/rename" ? { user: { name: a.payload.name } } : s));
  profile.expose("user", (s) => s.user);
  assert.throws(() => profile.expose("secret", (s) => s), (e) => e.code === "not_exported");
  assert.throws(() => profile.emit("other/topic", {}), (e) => e.code === "unknown_topic");
  assert.throws(() => profile.emit("profile/user-renamed", { nope: 1 }), (e) => e.code === "schema_violation");
  const home = host.mount("home");
  assert.throws(() => home.send("profile", { type: "profile/rename", payload: { name: 5 } }), (e) => e.code === "schema_violation");
  home.send("profile", { type: "profile/rename", payload: { name: "Jane" } });
  assert.equal(home.read("profile", "user").name, "Jane");
  assert.throws(() => host.mount({ name: "bad name!", version: "1" }), (e) => e.code === "schema_violation");
  assert.deepEqual(errors, []);
  host.dispose();
});

test("the inspector is the shell's: it streams every app's events", async () => {
  const { host } = await testHost();
  const events = [];
  const stop = host.inspector.subscribe((e) => events.push(e));
  const home = host.mount("home");
  home.createStore(initialUser(), counterReducer);
  home.dispatch({ type: "INC", payload: 1 });
  stop();
  home.dispatch({ type: "INC" });
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds, ["mount", "action"]);
  assert.equal(events[1].app, "home");
  assert.equal(events[1].name, "INC");
  assert.ok(Object.isFrozen(events[1]));
  assert.equal(typeof mfstate.App.prototype.inspector, "undefined", "an app has no stream of everyone's events");
  host.dispose();
});

test("inspect(): a snapshot of the apps and the shared queries for devtools", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile", { version: "2.0.0" });
  profile.createStore(initialUser(), counterReducer);
  const schema = { type: "object", required: ["name"], properties: { name: { type: "string" } } };
  profile.expose("user", (s) => s.user, { schema });
  profile.accept("INC");
  profile.accept("PING", { handler: () => {} });
  profile.subscribe(() => {});
  profile.on("cart/*", () => {});
  const home = host.mount("home");
  home.watch("profile", "user", () => {});
  const stop = home.observe({ queryKey: ["user"], queryFn: () => ({ name: "x" }) }, () => {});
  host.queryClient.setQueryData(["other"], 1);
  await settle();
  const snap = host.inspect();
  assert.ok(Object.isFrozen(snap));
  const p = snap.apps.find((a) => a.name === "profile");
  assert.equal(p.version, "2.0.0");
  assert.deepEqual(p.exports, [{ name: "user", schema, value: { userId: "S6nRz7bZ8Cv1dfTm", name: "John Doe" } }]);
  assert.deepEqual(p.accepts, ["INC", "PING"]);
  assert.deepEqual(p.counts, { subscriptions: 2, watches: 0, observers: 0, handlers: 1 });
  const h = snap.apps.find((a) => a.name === "home");
  assert.deepEqual(h.counts, { subscriptions: 0, watches: 1, observers: 1, handlers: 0 });
  const q = snap.queries.find((x) => x.queryHash === '["user"]');
  assert.equal(q.observers, 1);
  assert.equal(q.status, "success");
  assert.equal(q.isStale, true);
  assert.equal(snap.queries.find((x) => x.queryHash === '["other"]').observers, 0);
  home.unmount();
  const after = host.inspect();
  assert.equal(after.apps.find((a) => a.name === "home"), undefined);
  assert.equal(after.queries.find((x) => x.queryHash === '["user"]').observers, 0, "unmount ended its observers");
  stop();
  host.dispose();
});

test("errors nobody can catch reach the shell's handler, with the thrown value as cause", async () => {
  const { host, errors } = await testHost();
  const a = host.mount("a");
  const b = host.mount("b");
  const seen = [];
  b.on("t", () => {
    throw new RangeError("listener broke");
  });
  b.on("t", (p) => seen.push(p));
  a.emit("t", 1);
  assert.deepEqual(seen, [1], "the other listener still ran");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, "listener_error");
  assert.ok(errors[0].cause instanceof RangeError);
  const replaced = [];
  host.setErrorHandler((e) => replaced.push(e.code));
  a.emit("t", 2);
  assert.deepEqual(replaced, ["listener_error"]);
  host.dispose();
});

test("createHost twice shares one WebAssembly instance; hosts are independent", async () => {
  const { host: h1 } = await testHost();
  const { host: h2 } = await testHost();
  const a1 = h1.mount("home");
  const a2 = h2.mount("home");
  a1.createStore({ n: 1 }, (s) => s);
  a2.createStore({ n: 2 }, (s) => s);
  assert.equal(a1.getState().n, 1);
  assert.equal(a2.getState().n, 2);
  h1.dispose();
  assert.equal(a2.getState().n, 2);
  h2.dispose();
});

test("a timer weeks away is armed within setTimeout's range, not fired every millisecond", async () => {
  // setTimeout fires a delay beyond 2^31 - 1 ms (24.8 days) after 1 ms: the driver re-armed it at
  // once, waking ~800 times a second until the timer was due. Read off the delays it asks for.
  const real = globalThis.setTimeout;
  const delays = [];
  globalThis.setTimeout = (fn, ms, ...args) => {
    delays.push(ms);
    return real(fn, ms, ...args);
  };
  const host = await mfstate.createHost({ listenToPage: false });
  try {
    host.queryClient.setQueryDefaults(["archive"], { gcTime: 30 * 24 * 3600 * 1000 });
    host.mount("home").queryClient.setQueryData(["archive"], { v: 1 });
  } finally {
    globalThis.setTimeout = real;
    // Disposed before asserting: an overflowing timer would otherwise keep the process waking.
    host.dispose();
  }
  assert.ok(delays.length >= 1, "the driver armed a timer for the query's garbage collection");
  for (const ms of delays) assert.ok(ms >= 0 && ms <= 2 ** 31 - 1, `a delay of ${ms} ms overflows setTimeout`);
});
