// Internal: the one way an exception becomes an mfstate::Error, and the one way an error nobody
// can receive is reported (the error handler, else stderr). Every module uses these two; none
// writes its own copy.
#pragma once

#include <string_view>

#include "mfstate/error.hpp"

namespace mfstate::detail {

/// The exception in flight (call only inside a catch block) as an Error: an Error keeps its code
/// and gets `context` in front of its message; any other exception becomes
/// Error(fallback, context + ": " + what()). Allocates.
Error error_from_exception(ErrorCode fallback, std::string_view context);

/// Hands `error` to `handler`, or writes it to stderr when there is none. A handler that throws is
/// written to stderr too: reporting never throws.
void report_error(const ErrorHandler& handler, const Error& error) noexcept;

}  // namespace mfstate::detail
