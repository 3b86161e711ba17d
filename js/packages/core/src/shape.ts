// V8 (Chrome, Edge, node) fixes how many fields fit inside the objects of a class when the seventh
// of them is made ("in-object slack tracking"), from the objects of that class it can still see
// then. When every earlier one is gone by that moment (its host disposed and a garbage collection
// in between: a page that mounts its remotes one route at a time, a component that makes its
// observer after the last one unmounted), V8 sees none and keeps no room in the object. Past twelve
// fields kept outside it, an object is a dictionary: every field read hashes, and the class stays
// so for the rest of the page. The two classes of many private fields that a page makes over time,
// App (~40) and QueryObserver (~30), settle their size once, from objects alive together
// (test/app-shape-after-gc.test.mjs): an App read an export in 150 ns where it took 30.

/** More than the constructions V8 counts before it fixes the size (seven). */
const SETTLING_OBJECTS = 8;

/**
 * Makes SETTLING_OBJECTS objects with `make`, each kept alive until the last is made, so that the
 * size V8 fixes meanwhile has room for every field `make` defines. Call it before the class's
 * first object is kept (each class once); what `make` returns is dropped.
 */
export function settleShape(make: () => object): void {
  const alive: object[] = [];
  for (let i = 0; i < SETTLING_OBJECTS; i++) alive.push(make());
}
