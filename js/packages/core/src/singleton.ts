// One instance per page: the package registers itself on globalThis under a versioned symbol. A
// second copy (a remote that bundled its own, or another version) is refused at load with an error
// naming both versions and where each came from, instead of silently splitting the page's stores.

import { MfstateError } from "./errors.js";
import { VERSION } from "./version.js";

/** What the registration says: nothing that acts, only who and where. */
export interface InstanceRecord {
  readonly version: string;
  readonly source: string;
}

const KEY = Symbol.for("@mfstate/core");

/** Registers this copy, or throws duplicate_instance when one is already registered. */
export function registerInstance(source: string): InstanceRecord {
  const g = globalThis as Record<symbol, unknown>;
  const existing = g[KEY] as InstanceRecord | undefined;
  if (existing !== undefined) {
    const other = typeof existing === "object" && existing !== null ? existing : { version: "unknown", source: "unknown" };
    const same = other.version === VERSION;
    throw new MfstateError(
      "duplicate_instance",
      `@mfstate/core ${VERSION} (loaded from ${source}) found @mfstate/core ${other.version} already loaded on this page (from ${other.source}). ` +
        (same
          ? "Two copies of the same version would split the page's stores and query cache: "
          : "Two versions cannot share one page's stores and query cache: ") +
        `share it as one instance (Module Federation: shared: {"@mfstate/core": {singleton: true, requiredVersion: "^${VERSION}"}}; see docs/web.md).`,
    );
  }
  const record: InstanceRecord = Object.freeze({ version: VERSION, source });
  for (const key of [KEY, Symbol.for(`@mfstate/core@${VERSION}`)]) {
    Object.defineProperty(g, key, { value: record, enumerable: false, writable: false, configurable: false });
  }
  return record;
}

/**
 * Where this copy runs from, for the duplicate error. A bundler replaces `import.meta.url` with the
 * module's path on the build machine (webpack: file:///…/dist/index.js), which names neither the
 * remote nor its origin; in a page the script actually running is on the call stack.
 */
export function loadedFrom(moduleUrl: string): string {
  if (!moduleUrl.startsWith("file:") || typeof document === "undefined") return moduleUrl;
  const frame = /(https?:\/\/[^\s()]+?)(?::\d+){1,2}\)?\s*$/m.exec(new Error().stack ?? "");
  return frame ? frame[1] : moduleUrl;
}

/** The copy registered on this page (this one, once loaded). */
export function registeredInstance(): InstanceRecord | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as InstanceRecord | undefined;
}
