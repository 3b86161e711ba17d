// The package's classes, frozen as it loads. Every app of the page shares them, and any app
// reaches them from its own handle (Object.getPrototypeOf(app)): a method an app replaced on
// App.prototype would run as `this` = every other app's handle on that app's next call, and one on
// Host.prototype as the shell's host (what test/attack-prototypes.test.mjs tries). The page's
// built-ins are the shell's to freeze (docs/web.md, "The shell and the apps"); these are ours.

/** Freezes each class, its prototype and the package's own classes it extends. */
export function sealClasses(...classes: Function[]): void {
  for (let c of classes) {
    for (; c !== Function.prototype && c !== Error && c !== Object; c = Object.getPrototypeOf(c)) {
      Object.freeze(c.prototype);
      Object.freeze(c);
    }
  }
}
