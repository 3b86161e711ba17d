// A mutation scope is the app's own: mutations with the same scope id run one at a time within
// the app that started them (query-core's scope), and an app naming another app's scope neither
// waits for it nor makes it wait. A hostile app's mutation that never answers, in the scope
// "save-profile", would otherwise hold back every app's mutations of that scope.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mfstate, settle, testHost } from "./helpers.mjs";

test("a hostile app's never-answering mutation holds back its own scope only", async () => {
  const { host } = await testHost();
  const [mallory, profile] = ["mallory", "profile"].map((name) => host.mount(name));
  const scope = { id: "save-profile" };
  const calls = [];
  const never = () => new Promise(() => {});
  const counted = (who) => async (v) => (calls.push(`${who} ${v}`), v);
  void new mfstate.MutationObserver(mallory.queryClient, { mutationFn: never, scope }).mutate(1).catch(() => {});
  const malloryNext = new mfstate.MutationObserver(mallory.queryClient, { mutationFn: counted("mallory"), scope });
  void malloryNext.mutate(2).catch(() => {});
  const saved = new mfstate.MutationObserver(profile.queryClient, { mutationFn: counted("profile"), scope }).mutate(3);
  const shells = new mfstate.MutationObserver(host.queryClient, { mutationFn: counted("shell"), scope }).mutate(4);
  assert.equal(await Promise.race([saved, settle(100).then(() => "held back")]), 3);
  assert.equal(await Promise.race([shells, settle(100).then(() => "held back")]), 4);
  await settle(100);
  assert.deepEqual(calls, ["profile 3", "shell 4"]);
  assert.equal(malloryNext.getCurrentResult().isPaused, true, "mallory's second waits for its first");
  host.dispose();
});
