// A hostile app against the shell's query defaults. Every app's face of the shared client reads the
// shell's defaults (getDefaultOptions, getQueryDefaults, getMutationDefaults, defaultQueryOptions),
// and they are merged under every app's observer and mutation options. Had a face handed out the
// shell's own objects, an app could plant members in them (a `mutations.onMutate` that sees every
// other app's mutation variables, a `queries.select` that rewrites their results, a `meta` their
// query functions are handed): what it reads there must be a copy no write reaches the shell from.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mfstate, settle } from "./helpers.mjs";

const { createHost, MutationObserver } = mfstate;

/** Assigns, and ignores the TypeError a frozen object answers in strict code. */
function attempt(write) {
  try {
    write();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
}

/** Everything mallory can try on what its face of the shared client shows of the shell's defaults. */
function plant(client, stolen) {
  const d = client.getDefaultOptions();
  attempt(() => (d.mutations.onMutate = (v) => void stolen.push(["onMutate", v])));
  attempt(() => (d.mutations.onSuccess = (data, v) => void stolen.push(["onSuccess", v])));
  attempt(() => (d.mutations.mutationFn = (v) => void stolen.push(["mutationFn", v])));
  attempt(() => (d.queries.select = () => "forged"));
  attempt(() => (d.queries.queryFn = () => "forged"));
  attempt(() => (d.queries.meta.team = "mallory"));
  attempt(() => (d.queries = { select: () => "forged" }));
  attempt(() => (d.mutations = { onMutate: (v) => void stolen.push(["onMutate", v]) }));
  attempt(() => (d.hydrate = { queries: { select: () => "forged" } }));
  attempt(() => (client.getQueryDefaults(["profile"]).meta.scope = "mallory"));
  attempt(() => (client.defaultQueryOptions({ queryKey: ["profile"] }).meta.scope = "mallory"));
  attempt(() => (client.getMutationDefaults(["pay"]).meta.scope = "mallory"));
}

async function victimRuns(victim) {
  const metas = [];
  const results = [];
  const stop = victim.observe(
    {
      queryKey: ["profile"],
      queryFn: (ctx) => {
        metas.push(structuredClone(ctx.meta));
        return { name: "victim" };
      },
    },
    (r) => results.push(r.data),
  );
  await settle(20);
  const observer = new MutationObserver(victim.queryClient, { mutationKey: ["pay"], mutationFn: async (v) => ({ ok: v.card.length }) });
  const paid = await observer.mutate({ card: "4111 1111 1111 1111" });
  stop();
  return { metas, results, paid };
}

test("an app cannot plant options in the shell's defaults through what its face of the client shows", async () => {
  const host = await createHost({
    clock: "manual",
    listenToPage: false,
    queries: { defaultOptions: { queries: { staleTime: 1000, meta: { team: "shell" } }, mutations: { retry: 0 } } },
  });
  host.queryClient.setQueryDefaults(["profile"], { meta: { team: "shell", scope: "profile" } });
  host.queryClient.setMutationDefaults(["pay"], { meta: { scope: "pay" } });
  const mallory = host.mount("mallory");
  const victim = host.mount("victim");
  const stolen = [];
  plant(mallory.queryClient, stolen);

  const { metas, results, paid } = await victimRuns(victim);
  assert.deepEqual(stolen, []);
  assert.deepEqual(paid, { ok: 19 });
  assert.deepEqual(results.at(-1), { name: "victim" });
  assert.deepEqual(metas, [{ team: "shell", scope: "profile" }]);
  // The shell still reads its own defaults as it gave them.
  const shell = host.queryClient.getDefaultOptions();
  assert.equal(shell.queries.staleTime, 1000);
  assert.deepEqual(shell.queries.meta, { team: "shell" });
  assert.equal(shell.queries.select, undefined);
  assert.equal(shell.mutations.onMutate, undefined);
  assert.equal(shell.hydrate, undefined);
  assert.deepEqual(host.queryClient.getQueryDefaults(["profile"]).meta, { team: "shell", scope: "profile" });
  assert.deepEqual(host.queryClient.getMutationDefaults(["pay"]).meta, { scope: "pay" });
  host.dispose();
});

test("a shell that set no defaults: an app cannot add them for the others", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false });
  const mallory = host.mount("mallory");
  const victim = host.mount("victim");
  const stolen = [];
  const d = mallory.queryClient.getDefaultOptions();
  attempt(() => (d.queries = { select: () => "forged", meta: { team: "mallory" } }));
  attempt(() => (d.mutations = { onMutate: (v) => void stolen.push(["onMutate", v]) }));
  attempt(() => Object.defineProperty(d, "mutations", { value: { onSettled: (x, e, v) => void stolen.push(["onSettled", v]) } }));

  const { metas, results, paid } = await victimRuns(victim);
  assert.deepEqual(stolen, []);
  assert.deepEqual(paid, { ok: 19 });
  assert.deepEqual(results.at(-1), { name: "victim" });
  assert.deepEqual(metas, [undefined]);
  assert.deepEqual(host.queryClient.getDefaultOptions(), {});
  host.dispose();
});

test("the shell's own defaults keep working after an app read them: set again, they reach every app", async () => {
  const host = await createHost({ clock: "manual", listenToPage: false, queries: { defaultOptions: { queries: { meta: { v: 1 } } } } });
  const app = host.mount("app");
  assert.deepEqual(app.queryClient.getDefaultOptions().queries.meta, { v: 1 });
  host.queryClient.setDefaultOptions({ queries: { meta: { v: 2 } } });
  assert.deepEqual(app.queryClient.getDefaultOptions().queries.meta, { v: 2 });
  const metas = [];
  const stop = app.observe({ queryKey: ["k"], queryFn: (ctx) => (metas.push(ctx.meta.v), 1) }, () => {});
  await settle(20);
  stop();
  assert.deepEqual(metas, [2]);
  host.dispose();
});
