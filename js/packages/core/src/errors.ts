// The one error type of the package: a stable code (the C++ library's, plus a few of the package's
// own) and a message naming the app, command, topic or JSON path.

/** Stable codes: branch on them, never on messages. */
export type ErrorCode =
  // value
  | "invalid_json"
  | "invalid_utf8"
  | "depth_limit"
  | "size_limit"
  | "type_error"
  | "out_of_range"
  | "not_found"
  | "non_finite"
  | "invalid_argument"
  // key
  | "invalid_key"
  | "invalid_url"
  // contract
  | "invalid_schema"
  | "unsupported_schema"
  | "schema_violation"
  | "contract_violation"
  // host
  | "unknown_app"
  | "app_already_mounted"
  | "name_reserved"
  | "app_unmounted"
  | "not_exported"
  | "already_exported"
  | "command_not_accepted"
  | "forbidden"
  | "no_store"
  | "reducer_error"
  | "listener_error"
  | "unknown_topic"
  // query
  | "query_error"
  | "cancelled"
  | "not_found_query"
  // io
  | "io_error"
  | "http_error"
  | "already_published"
  // the package's own
  | "js_error" // a JavaScript callback threw (the thrown value is the cause)
  | "duplicate_instance" // a second copy of @mfstate/core on the page
  | "not_loaded" // used before the WebAssembly module was instantiated
  | "refused" // a power this handle does not have (e.g. an app asking for the shell's)
  | "out_of_memory"
  | "internal";

/** Thrown by every mfstate function that can fail; an operation that throws changed nothing. */
export class MfstateError extends Error {
  /** Why it failed (stable). */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MfstateError";
    this.code = code;
  }
}

/** True when `e` is an MfstateError (with `code`, when given). */
export function isMfstateError(e: unknown, code?: ErrorCode): e is MfstateError {
  return e instanceof MfstateError && (code === undefined || e.code === code);
}
