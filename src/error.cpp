// Error codes' spellings, the exception translator and the last-resort reporter (error_sink.hpp).
#include <cstdio>
#include <exception>
#include <string_view>

#include "error_sink.hpp"

namespace mfstate {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
#define MFSTATE_CODE(name) \
  case ErrorCode::name: return #name;
    MFSTATE_CODE(invalid_json)
    MFSTATE_CODE(invalid_utf8)
    MFSTATE_CODE(depth_limit)
    MFSTATE_CODE(size_limit)
    MFSTATE_CODE(type_error)
    MFSTATE_CODE(out_of_range)
    MFSTATE_CODE(not_found)
    MFSTATE_CODE(non_finite)
    MFSTATE_CODE(invalid_argument)
    MFSTATE_CODE(invalid_key)
    MFSTATE_CODE(invalid_url)
    MFSTATE_CODE(invalid_schema)
    MFSTATE_CODE(unsupported_schema)
    MFSTATE_CODE(schema_violation)
    MFSTATE_CODE(contract_violation)
    MFSTATE_CODE(unknown_app)
    MFSTATE_CODE(app_already_mounted)
    MFSTATE_CODE(name_reserved)
    MFSTATE_CODE(app_unmounted)
    MFSTATE_CODE(not_exported)
    MFSTATE_CODE(command_not_accepted)
    MFSTATE_CODE(forbidden)
    MFSTATE_CODE(no_store)
    MFSTATE_CODE(reducer_error)
    MFSTATE_CODE(listener_error)
    MFSTATE_CODE(unknown_topic)
    MFSTATE_CODE(query_error)
    MFSTATE_CODE(cancelled)
    MFSTATE_CODE(io_error)
    MFSTATE_CODE(http_error)
    MFSTATE_CODE(already_published)
    MFSTATE_CODE(unauthorized)
#undef MFSTATE_CODE
  }
  return "unknown";
}

namespace detail {

NestedError error_from_exception(ErrorCode fallback, std::string_view context) {
  std::string prefix(context);
  if (!prefix.empty()) prefix += ": ";
  try {
    throw;
  } catch (const Error& e) {
    return NestedError(e.code(), prefix + e.what(), e.offset());
  } catch (const std::exception& e) {
    return NestedError(fallback, prefix + e.what());
  } catch (...) {
    return NestedError(fallback, prefix + "a non-standard exception");
  }
}

namespace {
// Made at start-up: when it is needed, there may be no memory to make it.
const Error out_of_memory_error(ErrorCode::reducer_error,
                                "out of memory: a queued action failed and there was no memory to say "
                                "more (it changed nothing)");
}  // namespace

const Error& out_of_memory_report() noexcept { return out_of_memory_error; }

namespace {
// fwrite, not fprintf: the browser build pays ~8 KB of wasm for printf's formatting (docs/web.md).
void write_stderr(std::string_view text) noexcept { std::fwrite(text.data(), 1, text.size(), stderr); }
}  // namespace

void write_error_to_stderr(const Error& error) noexcept {
  write_stderr("mfstate: ");
  write_stderr(to_string(error.code()));
  write_stderr(": ");
  write_stderr(error.what());
  write_stderr("\n");
}

void report_error(const ErrorHandler& handler, const Error& error) noexcept {
  // stdio rather than iostreams: the browser build pays ~80 KB of wasm for <iostream>.
  if (handler) {
    try {
      handler(error);
      return;
    } catch (const std::exception& e) {
      write_stderr("mfstate: the error handler threw (");
      write_stderr(e.what());
      write_stderr(") while handling: ");
    } catch (...) {
      write_stderr("mfstate: the error handler threw while handling: ");
    }
  }
  write_error_to_stderr(error);
}

}  // namespace detail

}  // namespace mfstate
