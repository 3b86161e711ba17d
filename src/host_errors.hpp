// Internal: the host's error sink. Every error of a host that no caller can receive — a throwing
// store subscriber, watcher, bus listener, timer or notification, a contract broken, an export
// breaking its own schema — comes here, and goes to one place: an `error` (or `contract_error`)
// inspector event, then the error handler (stderr without one). The runtime's own sink
// (Runtime::report_error, where the batcher reports) is wired to it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inspector_stream.hpp"
#include "mfstate/contract.hpp"
#include "mfstate/error.hpp"

namespace mfstate::detail {

class HostErrors {
 public:
  HostErrors(InspectorStream& inspector, ErrorHandler handler)
      : inspector_(&inspector), handler_(std::move(handler)) {}

  void set_handler(ErrorHandler handler) { handler_ = std::move(handler); }
  const ErrorHandler& handler() const noexcept { return handler_; }

  /// An `error` event (naming `app` when the error is that app's: its listener, watcher or timer
  /// threw), then the handler. Never throws.
  void report(const Error& error, std::string_view app = {}) noexcept;
  /// The handler only, no event: for errors of inspector listeners, which an event could loop on.
  void report_quietly(const Error& error) noexcept;
  /// A broken contract: `consumer` reads `producer`/`export_name` and `breaks` says what it no
  /// longer finds (in the producer's schema when `from_schema`, else in the current value). A
  /// contract_error event naming both apps and the paths, then Error(contract_violation) to the
  /// handler.
  void report_contract(std::string_view consumer, std::string_view producer, std::string_view export_name,
                       const std::vector<ExpectationBreak>& breaks, bool from_schema) noexcept;

 private:
  InspectorStream* inspector_;
  ErrorHandler handler_;
};

}  // namespace mfstate::detail
