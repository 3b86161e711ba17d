// Internal: the one way an exception becomes an mfstate::Error, and the one way an error nobody
// can receive is reported (the error handler, else stderr). Every module uses these two; none
// writes its own copy.
#pragma once

#include <exception>
#include <string_view>

#include "mfstate/error.hpp"

namespace mfstate::detail {

/// An Error that keeps the exception it was made from (std::nested_exception, as
/// std::throw_with_nested makes): a handler finds what a callback threw through it
/// (Error::cause, or std::rethrow_if_nested where there is RTTI) — the web build hands the shell that very JavaScript value — never by
/// its message, which another callback could have thrown too. Made only inside a catch block.
class NestedError : public Error, public std::nested_exception {
 public:
  using Error::Error;
  explicit NestedError(const Error& e) : Error(e) {}
  std::exception_ptr cause() const noexcept override { return nested_ptr(); }
};

/// The exception in flight (call only inside a catch block) as an Error nesting it: an Error keeps
/// its code and gets `context` in front of its message; any other exception becomes
/// Error(fallback, context + ": " + what()). Allocates.
NestedError error_from_exception(ErrorCode fallback, std::string_view context);

/// What reports a failure when there is no memory left to describe it (a queued action of a store
/// that ran out of memory, and then out of memory again making its Error): Error(reducer_error,
/// "out of memory ...") made when the program starts, so that handing it over allocates nothing.
const Error& out_of_memory_report() noexcept;

/// Writes "mfstate: <code>: <message>" and a newline to stderr (where an error with no handler goes).
void write_error_to_stderr(const Error& error) noexcept;

/// Hands `error` to `handler`, or writes it to stderr when there is none. A handler that throws is
/// written to stderr too: reporting never throws.
void report_error(const ErrorHandler& handler, const Error& error) noexcept;

}  // namespace mfstate::detail
