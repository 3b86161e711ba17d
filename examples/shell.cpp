// mfstate-shell: a shell mounts Home and Profile; they talk only through an export, a command and
// a bus topic, and the inspector logs every step. Profile 2.0 then splits the user's name and the
// host reports the broken contract instead of feeding Home data it cannot read.
#include <iostream>

#include "mfstate/mfstate.hpp"

using namespace mfstate;

namespace {

Value profile_reducer(Value state, const Action& a) {
  if (a.type == "user/rename") return state.set_in({"user", "name"}, a.payload);
  return state;
}

Value home_reducer(Value state, const Action& a) {
  if (a.type == "home/show-user")
    return state.set("greeting", "Hello, " + std::string(a.payload.as_string()));
  if (a.type == "home/refresh") return state.set("refreshes", state.get("refreshes").as_int() + 1);
  return state;
}

}  // namespace

int main() {
  ManualClock clock;
  Host host(clock, {.validation = ValidationMode::always, .on_error = [](const Error& e) {
                      std::cout << "  !! " << to_string(e.code()) << ": " << e.what() << '\n';
                    }});
  // The devtools stream is the shell's alone: apps see only their own events.
  auto logger = host.inspect(event_logger(std::cout));

  // The shell is an app too ("platform", mounted by the host): it declares the shared topics.
  host.platform().declare("ui/toast", {.schema = Schema::parse_json(R"({"type": "string"})")});

  // Home: owns its state; accepts one command; watches Profile's user (before Profile exists).
  App home = host.mount("home", {.version = "1.0.0"});
  home.create_store(Value::object({{"greeting", ""}, {"refreshes", 0}}), home_reducer);
  home.accept("home/refresh");
  auto user_watch = home.watch(
      "profile", "user",
      [&](const ExportEvent& e) {
        if (e.kind == ExportEventKind::value) {
          home.dispatch({"home/show-user", e.value.get("name"), {}});
          std::cout << "  home shows: " << home.state().get("greeting").as_string() << '\n';
        } else {
          std::cout << "  home: profile's user export is gone\n";
        }
      },
      Expectations::from_value(parse_json(R"({"/name": "string"})")));
  auto toasts = home.on("ui/*", [](std::string_view topic, const Value& v) {
    std::cout << "  home got " << topic << ": " << v.as_string() << '\n';
  });

  // Profile 1.0: exports the user with a schema.
  App profile = host.mount("profile", {.version = "1.0.0"});
  profile.create_store(
      Value::object({{"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})}}),
      profile_reducer);
  profile.expose(
      "user", [](const Value& s) { return s.get("user"); },
      Schema::parse_json(R"({"type": "object", "required": ["userId", "name"],
                   "properties": {"userId": {"type": "string"}, "name": {"type": "string"}}})"));

  std::cout << "-- Profile renames the user; Home follows through the export\n";
  clock.advance(Millis{10});
  profile.dispatch({"user/rename", "Jane Roe", {}});

  std::cout << "-- Profile asks Home to refresh (accepted) and to forget the user (refused)\n";
  profile.send("home", {"home/refresh", {}, {}});
  try {
    profile.send("home", {"home/forget-user", {}, {}});
  } catch (const Error& e) {
    std::cout << "  refused: " << e.what() << '\n';
  }
  profile.emit("ui/toast", "Profile saved");

  std::cout << "-- Profile 2.0 splits the name into firstName/lastName\n";
  clock.advance(Millis{10});
  profile.unmount();
  profile = host.mount("profile", {.version = "2.0.0"});
  profile.create_store(
      Value::object(
          {{"user",
            Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"firstName", "Jane"}, {"lastName", "Roe"}})}}),
      profile_reducer);
  profile.expose(
      "user", [](const Value& s) { return s.get("user"); },
      Schema::parse_json(R"({"type": "object", "required": ["userId", "firstName", "lastName"],
                   "additionalProperties": false,
                   "properties": {"userId": {"type": "string"}, "firstName": {"type": "string"},
                                  "lastName": {"type": "string"}}})"));
  std::cout << "-- Home still shows: " << home.state().get("greeting").as_string() << '\n';
  return 0;
}
