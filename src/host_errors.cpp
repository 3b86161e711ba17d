#include "host_errors.hpp"

#include "error_sink.hpp"

// GCC 12 warns about members a designated initializer leaves out even when they have default
// initializers, which is how events are meant to be built here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace mfstate::detail {

void HostErrors::report(const Error& error, std::string_view app) noexcept {
  if (inspector_->active()) {
    try {
      inspector_->emit(InspectorEvent{.kind = InspectorEventKind::error,
                                      .app = std::string(app),
                                      .has_code = true,
                                      .code = error.code(),
                                      .detail = error.what()});
    } catch (...) {  // an event that cannot be built must not hide the error itself
    }
  }
  report_error(handler_, error);
}

void HostErrors::report_quietly(const Error& error) noexcept { report_error(handler_, error); }

void HostErrors::report_contract(std::string_view consumer, std::string_view producer,
                                 std::string_view export_name, const std::vector<ExpectationBreak>& breaks,
                                 bool from_schema) noexcept {
  try {
    const std::string where = std::string(producer) + "/" + std::string(export_name);
    std::string msg = "contract broken: app \"" + std::string(consumer) + "\" reads export " + where +
                      ", but " +
                      (from_schema ? "app \"" + std::string(producer) + "\"'s schema for it"
                                   : std::string("its current value")) +
                      " no longer provides it:";
    std::string paths;
    for (const auto& b : breaks) {
      msg += " " + b.expectation.path + " (" + b.expectation.type + "): " + b.reason + ";";
      if (!paths.empty()) paths += ", ";
      paths += b.expectation.path;
    }
    if (inspector_->active()) {
      inspector_->emit(InspectorEvent{.kind = InspectorEventKind::contract_error,
                                      .app = std::string(consumer),
                                      .target = std::string(producer),
                                      .name = std::string(export_name),
                                      .has_code = true,
                                      .code = ErrorCode::contract_violation,
                                      .detail = paths + ": " + msg});
    }
    report_error(handler_, Error(ErrorCode::contract_violation, msg));
  } catch (...) {
    report_error(handler_, Error(ErrorCode::contract_violation,
                                 "a contract is broken (the report could not be built)"));
  }
}

}  // namespace mfstate::detail
