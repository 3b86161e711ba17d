// mfstate::Error — the one error type of the library: a stable code and a message that names
// what went wrong (the app, command, topic, JSON path or byte offset).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mfstate {

/// Stable error codes. Codes are part of the API: tests and users branch on them, never on text.
enum class ErrorCode {
  // value
  invalid_json,      ///< malformed JSON text (offset() says where)
  invalid_utf8,      ///< a string that is not valid UTF-8
  depth_limit,       ///< nesting deeper than the configured limit
  size_limit,        ///< input larger than the configured limit
  type_error,        ///< a Value of one type used as another
  out_of_range,      ///< array index past the end
  not_found,         ///< object member or path that does not exist
  non_finite,        ///< NaN or infinity where JSON has no spelling for it
  invalid_argument,  ///< any other argument outside what the function takes
  // key
  invalid_key,  ///< a query key of the wrong shape (not an array, …)
  invalid_url,  ///< a URL key_from_url cannot make sense of
  // contract
  invalid_schema,      ///< a schema that is not a schema (wrong type for a keyword, …)
  unsupported_schema,  ///< a JSON Schema keyword outside the supported subset
  schema_violation,    ///< a value that does not satisfy its schema
  contract_violation,  ///< a producer's schema breaks a consumer's expectations
  // host
  unknown_app,          ///< an app name no mounted app answers to
  app_already_mounted,  ///< mount or reserve of a name that is mounted
  name_reserved,        ///< mount or reserve of a name reserved by the shell (Host::reserve, "platform")
  app_unmounted,        ///< an App handle used after its app was unmounted
  not_exported,  ///< read, watch or unexpose of an export that does not exist (or a manifest does not list)
  command_not_accepted,
  forbidden,      ///< reaching for what is another's: a topic or namespace of another app; a registry
                  ///< token without the right to do this (HTTP 403)
  no_store,       ///< an app used as a store before create_store
  reducer_error,  ///< a reducer or middleware threw; the state is unchanged
  listener_error,  ///< a subscriber, watcher or command handler threw (the others still ran)
  unknown_topic,   ///< a topic not declared where it must be (strict bus, manifest)
  // query
  query_error,      ///< a fetcher failed
  cancelled,        ///< a fetch or mutation was cancelled
  // io
  io_error,
  http_error,
  // registry
  already_published,  ///< an app version published again with different content (versions are immutable)
  unauthorized,       ///< no valid access token where one is needed (HTTP 401)
};

/// The spelling of a code, e.g. "invalid_json". Does not allocate.
std::string_view to_string(ErrorCode code) noexcept;

/// Thrown by every mfstate function that can fail. An operation that throws has changed nothing.
class Error : public std::runtime_error {
 public:
  static constexpr std::size_t no_offset = static_cast<std::size_t>(-1);

  Error(ErrorCode code, const std::string& message, std::size_t offset = no_offset)
      : std::runtime_error(message), code_(code), offset_(offset) {}

  ErrorCode code() const noexcept { return code_; }
  /// Byte offset into the input for parse errors; `no_offset` otherwise.
  std::size_t offset() const noexcept { return offset_; }
  /// What a callback threw that this error reports (a handler rethrows it to look at that very
  /// value), or null. Read it from the Error the handler was given: a copy keeps only its base.
  /// (A virtual rather than std::rethrow_if_nested alone: that needs RTTI, which the WebAssembly
  /// module is built without.)
  virtual std::exception_ptr cause() const noexcept { return nullptr; }

 private:
  ErrorCode code_;
  std::size_t offset_;
};

/// Receives the errors no caller can receive (a throwing listener, a queued action's failure).
using ErrorHandler = std::function<void(const Error&)>;

}  // namespace mfstate
