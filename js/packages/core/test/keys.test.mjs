// keyFromUrl crosses into the C++ key_from_url: the same key, byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate } from "./helpers.mjs";

await mfstate.loadMfstate();
const { keyFromUrl, hashKey } = mfstate;

test("two spellings of one request give one key", () => {
  const a = keyFromUrl("get", "HTTPS://Api.Example.com:443/users/./me?b=2&a=1");
  const b = keyFromUrl("GET", "https://api.example.com/users/me", { a: 1, b: "2" });
  assert.deepEqual(a, ["GET", "https://api.example.com/users/me", { a: "1", b: "2" }]);
  assert.equal(hashKey(a), hashKey(b));
  assert.ok(Object.isFrozen(a));
});

test("the C++ normalisation, as docs/keys.md describes it", () => {
  assert.deepEqual(keyFromUrl("GET", "/api/users/me"), ["GET", "/api/users/me", {}]);
  assert.deepEqual(keyFromUrl("get", "http://h.com:80/a/../b/%7euser?x=1&x=2&y=%C3%A9"), [
    "GET",
    "http://h.com/b/~user",
    { x: ["1", "2"], y: "é" },
  ]);
  assert.deepEqual(keyFromUrl("GET", "/q", { tags: ["a", "b"], on: true, n: 2, none: null }), ["GET", "/q", { n: "2", on: "true", tags: ["a", "b"] }]);
  assert.deepEqual(keyFromUrl("GET", "/search?q=a+b#frag"), ["GET", "/search", { q: "a b" }]);
});

test("what the C++ refuses is refused with its message", () => {
  assert.throws(() => keyFromUrl("G ET", "/x"), (e) => e.code === "invalid_key");
  assert.throws(() => keyFromUrl("GET", "relative/path"), (e) => e.code === "invalid_url");
  assert.throws(() => keyFromUrl("GET", "http://user:pw@h.com/"), (e) => e.code === "invalid_url");
  assert.throws(() => keyFromUrl("GET", "/x", { nested: { a: 1 } }), (e) => e.code === "invalid_key");
  assert.throws(() => keyFromUrl(1, "/x"), (e) => e.code === "invalid_argument");
});

test("a key it returns is idempotent: feeding it back gives the same key", () => {
  const k = keyFromUrl("post", "https://API.example.com/a/b/../c?z=1&a=2");
  assert.deepEqual(keyFromUrl(k[0], k[1], k[2]), k);
});
