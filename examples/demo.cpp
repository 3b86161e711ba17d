// mfstate-demo (`make demo`): what mfstate does, in a few readable lines per idea.
// Each section is a function of its own; later sections (contract check, host, query) are added
// the same way and called from main in the order a reader meets the ideas.
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "demo_cli.hpp"
#include "demo_contracts.hpp"
#include "demo_queries.hpp"
#include "mfstate/key.hpp"
#include "mfstate/value.hpp"

namespace {

using mfstate::Value;

const char* yes_no(bool b) { return b ? "yes" : "no"; }

void section(const char* title) { std::printf("\n== %s ==\n", title); }

// Two micro-frontends ask for the same resource, each spelled its own way: one key, one entry.
void demo_one_request_one_key() {
  section("One request, one key (key_from_url)");
  const char* profile_url =
      "HTTPS://API.Example.com:443/v1/users/./42/../me?include=roles&include=avatar&fields=name#top";
  Value profile_key = mfstate::key_from_url("get", profile_url);
  Value home_params = Value::object({{"fields", "name"}, {"include", Value::array({"roles", "avatar"})}});
  Value home_key = mfstate::key_from_url("GET", "https://api.example.com/v1/users/me", home_params);

  std::printf("  profile app asks: get %s\n", profile_url);
  std::printf("  home app asks:    GET https://api.example.com/v1/users/me  params %s\n",
              home_params.to_json().c_str());
  std::printf("  profile's key:    %s\n", mfstate::key_string(profile_key).c_str());
  std::printf("  home's key:       %s\n", mfstate::key_string(home_key).c_str());
  std::printf("  hash_key:         %016" PRIx64 " and %016" PRIx64 " -> one cache entry: %s\n",
              mfstate::hash_key(profile_key), mfstate::hash_key(home_key), yes_no(profile_key == home_key));
  Value filter = Value::array({"GET", "https://api.example.com/v1/users/me"});
  std::printf("  the filter %s matches it: %s\n", filter.to_json().c_str(),
              yes_no(mfstate::matches(filter, home_key)));
}

// A W1-like reducer step: only the path to the change is copied; everything else is shared.
void demo_structural_sharing() {
  section("Structural sharing (Value::set)");
  std::vector<Value> items;
  for (int i = 0; i < 100; ++i) items.push_back(Value::object({{"id", i}, {"v", i}}));
  Value state =
      Value::object({{"count", 0},
                     {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})},
                     {"items", Value::array(std::move(items))}});

  Value next = state.set("count", state.get("count").as_int() + 1);  // the INC action
  std::printf("  state: {count, user: {userId, name}, items: [100 x {id, v}]}; INC sets count to %" PRId64
              "\n",
              next.get("count").as_int());
  std::printf("  copied: the root object (%zu members): same node as before? %s\n", next.size(),
              yes_no(next.same_node(state)));
  std::printf("  shared: user  same node? %s, owners now %zu (old state and new state)\n",
              yes_no(next.get("user").same_node(state.get("user"))), next.get("user").use_count());
  std::printf("  shared: items same node? %s, owners now %zu; none of its 100 objects was copied\n",
              yes_no(next.get("items").same_node(state.get("items"))), next.get("items").use_count());
  std::printf("  the old state is untouched: count is still %" PRId64 "\n", state.get("count").as_int());

  // With a single owner, the update happens in place: no copy at all.
  state = Value();
  const void* root = next.node();
  Value after = std::move(next).set("count", 2);
  std::printf(
      "  sole owner (old state dropped): std::move(next).set(\"count\", 2) updated the root in place? %s\n",
      yes_no(after.node() == root));
}

}  // namespace

int main() {
  std::printf("mfstate: state for micro-frontends\n");
  demo_one_request_one_key();
  demo_structural_sharing();
  std::printf("\n");
  mfstate::demo::show_shared_query_cache();
  std::fflush(stdout);  // the contract sections (they print their own headings) write to std::cout
  mfstate::demo::demo_contract_check();
  std::cout << '\n';
  mfstate::demo::show_contracts_in_ci(std::cout);
  return 0;
}
