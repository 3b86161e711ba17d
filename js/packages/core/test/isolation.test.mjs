// The attacks that work against the JavaScript peers in a page, tried by a hostile app ("mallory")
// against another ("profile") through everything @mfstate/core exports. Each must fail, and leave
// profile unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { QueryClient as TanStackClient, QueryObserver as TanStackObserver } from "@tanstack/query-core";
import { mfstate, testHost, initialUser, counterReducer, settle } from "./helpers.mjs";

async function twoApps() {
  const { host, errors } = await testHost();
  const profile = host.mount("profile");
  const mallory = host.mount("mallory");
  const store = profile.createStore({ ...initialUser(), secret: { token: "t0p" } }, counterReducer);
  profile.expose("user", (s) => s.user);
  mallory.createStore({ count: 0 }, counterReducer);
  return { host, errors, profile, mallory, store };
}

test("dispatching into another app by naming it: nothing takes a name as identity", async () => {
  const { host, profile, mallory, store } = await twoApps();
  // redux-micro-frontend: DispatchAction("Profile", action) from anywhere. Here a name is only a target.
  assert.throws(() => mallory.send("profile", { type: "RENAME", payload: "pwned" }), (e) => e.code === "command_not_accepted");
  assert.equal(mallory.broadcast({ type: "RENAME", payload: "pwned" }), 0);
  // Mounting the name again is refused while it is mounted; a second handle cannot be had.
  assert.throws(() => host.mount("profile"), (e) => e.code === "app_already_mounted");
  // An App cannot be forged from a handle number.
  for (let h = 1; h < 64; h++) {
    assert.throws(() => new mfstate.App(Symbol("mfstate.App"), h, {}, "profile", ""), (e) => e.code === "refused");
  }
  assert.equal(store.getState().user.name, "John Doe");
  void profile;
  host.dispose();
});

test("no path from an App leads to the shell or to another app", async () => {
  const { host, mallory } = await twoApps();
  const reachable = new Set();
  const walk = (o, depth) => {
    if (o === null || (typeof o !== "object" && typeof o !== "function") || reachable.has(o) || depth > 3) return;
    reachable.add(o);
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d && "value" in d) walk(d.value, depth + 1);
    }
  };
  walk(mallory, 0);
  walk(mallory.queryClient, 0);
  assert.ok(![...reachable].some((o) => o instanceof mfstate.Host), "no Host reachable from an App");
  assert.equal(Object.keys(mallory).length, 0, "an App has no public fields: its powers are #private");
  assert.equal(typeof mallory.host, "undefined");
  assert.equal(typeof mallory.inspector, "undefined");
  assert.equal(typeof mallory.mount, "undefined");
  assert.equal(typeof mallory.platform, "undefined");
  assert.equal(typeof mallory.advanceTime, "undefined");
  assert.equal(typeof mallory.setOnline, "undefined");
  // The app's face of the shared cache lacks the shell-wide switches.
  for (const call of [
    () => mallory.queryClient.clear(),
    () => mallory.queryClient.setQueryDefaults(["user"], { staleTime: 0 }),
    () => mallory.queryClient.setMutationDefaults(["user"], {}),
    () => mallory.queryClient.setDefaultOptions({}),
    () => mallory.queryClient.getQueryCache().clear(),
    () => mallory.queryClient.advanceTime(1000),
    () => mallory.queryClient.setOnline(false),
    () => mallory.queryClient.setFocused(false),
  ]) {
    assert.throws(call, (e) => e.code === "refused" || e.code === "invalid_argument");
  }
  host.dispose();
});

test("no global hands out a handle: the page's registration is a frozen record of who and where", async () => {
  const { host } = await twoApps();
  const record = mfstate.registeredInstance();
  assert.deepEqual(Object.keys(record).sort(), ["source", "version"]);
  assert.ok(Object.isFrozen(record));
  const globals = [...Object.getOwnPropertyNames(globalThis), ...Object.getOwnPropertySymbols(globalThis)];
  const ours = globals.filter((k) => String(k).includes("mfstate"));
  for (const k of ours) {
    const v = globalThis[k];
    assert.ok(v === record, `global ${String(k)} is only the registration record`);
    assert.throws(() => {
      "use strict";
      globalThis[k] = {};
    }, TypeError);
  }
  host.dispose();
});

test("mutating another app's state through what it exports fails (frozen, deeply), and changes nothing", async () => {
  const { host, mallory, store } = await twoApps();
  // redux-micro-frontend: GetPartnerState returns a shallow copy whose nested objects are live.
  const user = mallory.read("profile", "user");
  assert.throws(() => {
    "use strict";
    user.name = "pwned";
  }, TypeError);
  assert.throws(() => Object.defineProperty(user, "name", { value: "pwned" }), TypeError);
  assert.throws(() => Object.setPrototypeOf(user, { name: "pwned" }), TypeError);
  assert.equal(store.getState().user.name, "John Doe");
  // An object mallory builds from it is mallory's own: it never reaches profile.
  const copy = { ...user, name: "pwned" };
  assert.equal(mallory.read("profile", "user").name, "John Doe");
  void copy;
  // State handed to a watcher is frozen too.
  mallory.watch("profile", "user", (e) => {
    assert.throws(() => {
      "use strict";
      e.value.name = "pwned";
    }, TypeError);
  });
  host.dispose();
});

test("replacing another app's reducer or subscribing to its store cannot be written", async () => {
  const { host, mallory, profile, store } = await twoApps();
  // redux-micro-frontend lets any app replace another's reducer and subscribe to its store.
  mallory.replaceReducer(() => ({ count: 999 }));
  assert.equal(store.getState().count, 0);
  const heard = [];
  mallory.subscribe(() => heard.push("mallory"));
  mallory.watch("profile", "state", (e) => heard.push(e.kind));
  store.dispatch({ type: "INC" });
  assert.deepEqual(heard, [], "profile's changes reach only what it exports");
  assert.equal(profile.getState().secret.token, "t0p");
  assert.throws(() => mallory.read("profile", "secret"), (e) => e.code === "not_exported");
  host.dispose();
});

test("a command handler learns the sender from its handle: a sender cannot claim another name", async () => {
  const { host, mallory, profile } = await twoApps();
  const senders = [];
  profile.accept("profile/ping", { handler: (action, from) => senders.push(from) });
  mallory.send("profile", { type: "profile/ping", payload: { from: "platform" }, meta: { from: "platform" } });
  assert.deepEqual(senders, ["mallory"]);
  host.dispose();
});

test("a middleware's next kept after its store died cannot act on another store", async () => {
  const { host } = await testHost();
  let stale;
  const victimHost = host.mount("old");
  victimHost.createStore({ n: 0 }, (s) => s, [() => (next) => {
    stale = next;
    return (a) => next(a);
  }]);
  victimHost.dispatch({ type: "X" });
  victimHost.unmount();
  const profile = host.mount("profile");
  const seen = [];
  profile.createStore({ n: 0 }, (s, a) => {
    seen.push(a.type);
    return s;
  }, [() => (next) => (a) => next(a)]);
  assert.throws(() => stale({ type: "PWN" }), (e) => e.code === "invalid_argument");
  assert.deepEqual(seen, []);
  host.dispose();
});

test("cached query data cannot be changed in place (query-core hands out live objects)", async () => {
  // The peer: one app mutates getQueryData's object; another app's observer sees it, unnotified.
  const peer = new TanStackClient();
  peer.setQueryData(["user"], { name: "John Doe" });
  const seenByOther = [];
  const other = new TanStackObserver(peer, { queryKey: ["user"], enabled: false });
  const unsub = other.subscribe((r) => seenByOther.push(r.data.name));
  peer.getQueryData(["user"]).name = "pwned";
  assert.equal(other.getCurrentResult().data.name, "pwned", "the attack works against query-core");
  assert.deepEqual(seenByOther, []);
  unsub();
  peer.clear();

  const { host, mallory, profile } = await twoApps();
  profile.queryClient.setQueryData(["user"], { name: "John Doe", roles: ["admin"] });
  const seen = [];
  const stop = profile.observe({ queryKey: ["user"], enabled: false }, (r) => seen.push(r.data?.name));
  const data = mallory.queryClient.getQueryData(["user"]);
  assert.throws(() => {
    "use strict";
    data.name = "pwned";
  }, TypeError);
  assert.throws(() => data.roles.push("root"), TypeError);
  assert.equal(profile.queryClient.getQueryData(["user"]).name, "John Doe");
  // What a caller passes is copied: changing it afterwards changes nothing cached.
  const mine = { name: "Jane" };
  mallory.queryClient.setQueryData(["user"], mine);
  mine.name = "pwned";
  assert.equal(profile.queryClient.getQueryData(["user"]).name, "Jane");
  assert.deepEqual(seen, ["John Doe", "Jane"]);
  stop();
  host.dispose();
});

test("an app's queries end when it unmounts; the shell's cache keeps serving the others", async () => {
  const { host, mallory, profile } = await twoApps();
  let calls = 0;
  const results = [];
  mallory.observe({ queryKey: ["feed"], queryFn: () => ({ n: ++calls }), staleTime: Infinity }, (r) => results.push(r.data?.n));
  await settle();
  assert.equal(host.queryClient.stats().observers, 1);
  mallory.unmount();
  assert.equal(host.queryClient.stats().observers, 0);
  profile.queryClient.setQueryData(["feed"], { n: 42 });
  assert.deepEqual(results.filter((x) => x !== undefined), [1]);
  host.dispose();
});

test("an app's inspect tells only its own events, never another app's actions or payloads", async () => {
  const { host, profile, mallory } = await twoApps();
  const seen = [];
  const stop = mallory.inspect((e) => seen.push(e));
  profile.dispatch({ type: "RENAME", payload: "secret name" });
  mallory.dispatch({ type: "INC" });
  stop();
  mallory.dispatch({ type: "INC" });
  assert.ok(seen.length >= 1);
  assert.ok(seen.every((e) => e.app === "mallory" || e.target === "mallory"), JSON.stringify(seen));
  assert.ok(!JSON.stringify(seen).includes("secret name"));
  assert.deepEqual(seen.filter((e) => e.kind === "action").map((e) => e.name), ["INC"]);
  host.dispose();
});

test("an app's transaction undoes only its own work; its timers are cancelled only by it or its unmount", async () => {
  const { host, profile, mallory } = await twoApps();
  const before = profile.getState();
  assert.throws(
    () =>
      mallory.transaction(() => {
        mallory.dispatch({ type: "INC" });
        throw new RangeError("undo");
      }),
    RangeError,
  );
  assert.equal(mallory.getState().count, 0, "its own dispatch is undone");
  assert.equal(profile.getState(), before);
  assert.equal(mallory.transaction(() => 42), 42);
  // Timers: each app's own; the handle cancels, unmount cancels.
  const fired = [];
  profile.scheduleAfter(100, () => fired.push("profile"));
  const cancel = mallory.scheduleAfter(100, () => fired.push("mallory-cancelled"));
  mallory.scheduleAfter(50, () => fired.push("mallory"));
  cancel();
  host.advanceTime(60);
  assert.deepEqual(fired, ["mallory"]);
  assert.equal(mallory.now(), 1_000_060);
  mallory.scheduleAfter(10, () => fired.push("after-unmount"));
  mallory.unmount();
  host.advanceTime(100);
  assert.deepEqual(fired, ["mallory", "profile"]);
  assert.throws(() => profile.scheduleAfter(-1, () => {}), (e) => e.code === "invalid_argument");
  host.dispose();
});

test("topics: an app declares in its own namespace only; the platform declares shared ones", async () => {
  const { host, errors, profile, mallory } = await twoApps();
  profile.declare("profile/renamed", { schema: { type: "string" } });
  assert.throws(() => mallory.declare("profile/renamed", {}), (e) => e.code === "forbidden");
  assert.throws(() => mallory.declare("shared/theme", {}), (e) => e.code === "forbidden");
  host.platform.declare("shared/theme", { replay: true });
  const first = [];
  profile.on("shared/theme", (p) => first.push(p));
  host.platform.emit("shared/theme", "dark");
  assert.deepEqual(first, ["dark"]);
  const got = [];
  mallory.on("shared/theme", (p) => got.push(p));
  await settle();
  assert.deepEqual(got, ["dark"], "replayed to a new subscriber");
  assert.throws(() => profile.emit("profile/renamed", 5), (e) => e.code === "schema_violation");
  assert.throws(() => mallory.emit("profile/renamed", "forged"), (e) => e.code === "forbidden");
  void errors;
  host.dispose();
});
