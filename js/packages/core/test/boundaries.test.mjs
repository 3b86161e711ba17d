// Exports, commands, the bus and transactions: how apps see and ask each other.
import { test } from "node:test";
import assert from "node:assert/strict";
import { testHost, initialUser, counterReducer } from "./helpers.mjs";

const userSchema = { type: "object", required: ["userId", "name"], properties: { userId: { type: "string" }, name: { type: "string" } } };

test("an export is read frozen, with a stable identity while unchanged; watchers see each change once", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  const home = host.mount("home");
  const events = [];
  home.watch("profile", "user", (e) => events.push(e));
  profile.createStore(initialUser(), counterReducer);
  profile.expose("user", (s) => s.user, { schema: userSchema });
  const u1 = home.read("profile", "user");
  assert.ok(Object.isFrozen(u1));
  assert.equal(home.read("profile", "user"), u1);
  profile.dispatch({ type: "INC" });
  assert.equal(home.read("profile", "user"), u1, "an unrelated change keeps the export");
  profile.dispatch({ type: "RENAME", payload: "Jane Roe" });
  assert.equal(home.read("profile", "user").name, "Jane Roe");
  assert.deepEqual(
    events.map((e) => [e.kind, e.value?.name]),
    [
      ["value", "John Doe"],
      ["value", "Jane Roe"],
    ],
  );
  assert.equal(events[0].value, u1);
  profile.unmount();
  assert.equal(events.at(-1).kind, "removed");
  assert.throws(() => home.read("profile", "user"), (e) => e.code === "unknown_app");
  host.dispose();
});

test("an exported value that breaks its schema is refused to readers", async () => {
  const { host } = await testHost();
  const profile = host.mount("profile");
  const home = host.mount("home");
  profile.createStore(initialUser(), counterReducer);
  profile.expose("user", (s) => s.user, { schema: userSchema });
  profile.dispatch({ type: "RENAME", payload: 42 });
  assert.throws(() => home.read("profile", "user"), (e) => e.code === "schema_violation" && /\/name/.test(e.message));
  assert.throws(() => home.read("profile", "nope"), (e) => e.code === "not_exported");
  host.dispose();
});

test("a producer schema that breaks a watcher's expectations is a contract error, and the watcher is fed nothing", async () => {
  const { host, errors } = await testHost();
  const profile = host.mount("profile");
  const home = host.mount("home");
  const events = [];
  home.watch("profile", "user", (e) => events.push(e), { expectations: { "/name": "string" } });
  profile.createStore({ user: { userId: "u1", firstName: "John", lastName: "Doe" } }, (s) => s);
  profile.expose("user", (s) => s.user, {
    schema: { type: "object", required: ["userId"], properties: { userId: { type: "string" }, firstName: { type: "string" }, lastName: { type: "string" } } },
  });
  assert.equal(events.length, 0);
  assert.ok(errors.some((e) => e.code === "contract_violation" && /\/name/.test(e.message)), errors.map((e) => e.message).join("\n"));
  host.dispose();
});

test("commands: only accepted types reach an app, from is the sender's real name, payloads are validated", async () => {
  const { host } = await testHost();
  const home = host.mount("home");
  const profile = host.mount("profile");
  home.createStore(initialUser(), counterReducer);
  assert.throws(() => profile.send("home", { type: "INC" }), (e) => e.code === "command_not_accepted");
  home.accept("ADD", { schema: { type: "integer", minimum: 1 } });
  assert.throws(() => profile.send("home", { type: "ADD", payload: 0 }), (e) => e.code === "schema_violation");
  assert.equal(home.getState().count, 0);
  profile.send("home", { type: "ADD", payload: 5 });
  assert.equal(home.getState().count, 5);
  const from = [];
  home.accept("PING", { handler: (action, sender) => from.push([action.type, action.payload, sender]) });
  profile.send("home", { type: "PING", payload: { x: 1 } });
  assert.deepEqual(from, [["PING", { x: 1 }, "profile"]]);
  assert.throws(() => profile.send("nobody", { type: "INC" }), (e) => e.code === "unknown_app");
  host.dispose();
});

test("broadcast reaches every app that accepts the type, all or nothing", async () => {
  const { host } = await testHost();
  const apps = ["home", "profile", "cart"].map((n) => host.mount(n));
  for (const a of apps) {
    a.createStore(initialUser(), counterReducer);
    a.accept("INC");
  }
  assert.equal(apps[1].broadcast({ type: "INC" }), 3);
  assert.deepEqual(apps.map((a) => a.getState().count), [1, 1, 1]);
  apps[2].accept("ADD", { schema: { type: "integer" } });
  apps[0].accept("ADD");
  assert.throws(() => apps[1].broadcast({ type: "ADD", payload: "x" }), (e) => e.code === "schema_violation");
  assert.deepEqual(apps.map((a) => a.getState().count), [1, 1, 1]);
  host.dispose();
});

test("the bus: patterns, frozen payloads, subscribers added during delivery get the next message", async () => {
  const { host } = await testHost();
  const a = host.mount("a");
  const b = host.mount("b");
  const got = [];
  b.on("cart/*", (p, t) => got.push([t, p]));
  const unDeep = b.on("cart/**", (p, t) => {
    got.push(["deep", t]);
    if (got.length < 3) b.on("cart/item-added", (q) => got.push(["late", q.n]));
  });
  a.emit("cart/item-added", { n: 1 });
  a.emit("cart/x/y", { n: 2 });
  unDeep();
  a.emit("cart/item-added", { n: 3 });
  assert.deepEqual(got, [
    ["cart/item-added", { n: 1 }],
    ["deep", "cart/item-added"],
    ["deep", "cart/x/y"],
    ["cart/item-added", { n: 3 }],
    ["late", 3],
  ]);
  assert.ok(Object.isFrozen(got[0][1]));
  host.dispose();
});

test("the bus: one function subscribed twice is told twice; each unsubscribe ends its own subscription, once", async () => {
  const { host } = await testHost();
  const a = host.mount("a");
  const b = host.mount("b");
  const got = [];
  const listener = (p) => got.push(p.n);
  b.on("a/t", () => {}); // keeps the pattern's group alive throughout
  const first = b.on("a/t", listener);
  const second = b.on("a/t", listener);
  a.emit("a/t", { n: 1 });
  first();
  a.emit("a/t", { n: 2 });
  second();
  a.emit("a/t", { n: 3 });
  // Subscribed again after both ended: the old unsubscribes, called again, leave it alone.
  const third = b.on("a/t", listener);
  first();
  second();
  a.emit("a/t", { n: 4 });
  third();
  third();
  a.emit("a/t", { n: 5 });
  assert.deepEqual(got, [1, 1, 2, 4]);
  host.dispose();
});

test("a transaction notifies once, after the end; one that throws restores every app and notifies nobody", async () => {
  const { host } = await testHost();
  const home = host.mount("home");
  const cart = host.mount("cart");
  home.createStore(initialUser(), counterReducer);
  cart.createStore(initialUser(), counterReducer);
  cart.accept("INC");
  const seen = [];
  home.subscribe(() => seen.push(["home", home.getState().count]));
  cart.subscribe(() => seen.push(["cart", cart.getState().count]));
  const out = host.transaction(() => {
    home.dispatch({ type: "INC" });
    home.dispatch({ type: "INC" });
    home.send("cart", { type: "INC" });
    assert.equal(seen.length, 0, "nobody is told inside");
    return "done";
  });
  assert.equal(out, "done");
  assert.deepEqual(seen, [
    ["home", 2],
    ["cart", 1],
  ]);
  const boom = new Error("stop");
  assert.throws(
    () =>
      host.transaction(() => {
        home.dispatch({ type: "INC" });
        home.send("cart", { type: "INC" });
        throw boom;
      }),
    (e) => e === boom,
  );
  assert.equal(home.getState().count, 2);
  assert.equal(cart.getState().count, 1);
  assert.equal(seen.length, 2);
  host.dispose();
});
