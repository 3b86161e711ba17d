// A size probe for the WebAssembly build: a small program that uses what a browser app uses
// (JSON in and out, Value reads and updates, keys, a store, a host with two apps, the query cache,
// the bus), so the size of its .wasm tracks the size of the module the library gives the web
// package. scripts/bench-wasm-size.sh builds it and prints the byte count; it is not a test.
#include <cstdio>

#include "mfstate/mfstate.hpp"

int main() {
  using namespace mfstate;
  Value v = parse_json(R"({"count": 0, "user": {"id": 7, "name": "John Doe"}, "tags": ["a", "b"]})");
  v = std::move(v).set("count", v.get("count").as_int() + 1);
  v = v.set_in({"user", "name"}, "Jane");
  Host host;
  App a = host.mount("a");
  App b = host.mount("b");
  a.create_store(v, [](Value s, const Action& act) {
    return act.type == "INC" ? s.set("count", s.get("count").as_int() + 1) : s;
  });
  a.accept("INC");
  b.send("a", {.type = "INC", .payload = {}, .meta = {}});
  auto& q = host.queries();
  const Value key = key_from_url("GET", "/api/users/7", Value::object({{"page", 2}}));
  q.set_query_data(key, v.get("user"));
  long n = 0;
  Subscription s = b.on("ticks", [&n](std::string_view, const Value& p) { n += p.get("n").as_int(); });
  b.emit("ticks", Value::object({{"n", 3}}));
  std::printf("%s %s %llu %ld\n", a.state().to_json().c_str(), key_string(key).c_str(),
              static_cast<unsigned long long>(hash_key(key)), n);
  return q.get_query_data(key) ? 0 : 1;
}
