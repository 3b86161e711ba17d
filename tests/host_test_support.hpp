// Shared helpers for the host tests: a W1-style counter app and an error collector.
#pragma once

#include <string>
#include <vector>

#include "mfstate/host.hpp"

namespace host_test {

using namespace mfstate;

inline Value user_state(std::string name = "John Doe") {
  return Value::object({{"count", 0},
                        {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", name}})}});
}

inline Value app_reducer(Value s, const Action& a) {
  if (a.type == "INC") return s.set("count", s.get("count").as_int() + 1);
  if (a.type == "ADD") return s.set("count", s.get("count").as_int() + a.payload.as_int());
  if (a.type == "RENAME") return s.set_in({"user", "name"}, a.payload);
  if (a.type == "SPLIT_NAME") {
    return s.set("user", Value::object({{"userId", s.get("user").get("userId")},
                                        {"firstName", a.payload.get("firstName")},
                                        {"lastName", a.payload.get("lastName")}}));
  }
  if (a.type == "BOOM") throw std::runtime_error("boom in " + a.type);
  return s;
}

inline Action act(std::string type, Value payload = {}) {
  return Action{std::move(type), std::move(payload), {}};
}

struct Errors {
  std::vector<Error> list;
  ErrorHandler handler() {
    return [this](const Error& e) { list.push_back(e); };
  }
  std::size_t count(ErrorCode c) const {
    std::size_t n = 0;
    for (const auto& e : list) n += e.code() == c ? 1 : 0;
    return n;
  }
};

template <typename Fn>
ErrorCode code_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an mfstate::Error";
  return ErrorCode::invalid_argument;
}

}  // namespace host_test
