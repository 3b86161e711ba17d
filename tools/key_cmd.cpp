// `mfstate key URL [--method M] [--param k=v …]`: the canonical query key of a request and its
// hash, so two teams can see they agree on the cache entry they share.
#include <algorithm>
#include <cstdio>
#include <map>

#include "commands.hpp"
#include "mfstate/key.hpp"

namespace mfstate::cli {

int key(const KeyArgs& args, const Common& common) {
  // Repeated names become arrays, as key_from_url reads a repeated parameter.
  std::vector<std::pair<std::string, std::vector<std::string>>> params;
  for (const std::string& p : args.params) {
    const std::size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorCode::invalid_argument, "--param " + p + ": expected name=value");
    }
    std::string name = p.substr(0, eq), value = p.substr(eq + 1);
    auto it = std::find_if(params.begin(), params.end(), [&](const auto& e) { return e.first == name; });
    if (it == params.end()) {
      params.push_back({std::move(name), {std::move(value)}});
    } else {
      it->second.push_back(std::move(value));
    }
  }
  std::vector<Member> members;
  for (auto& [name, values] : params) {
    members.push_back({name, values.size() == 1 ? Value(values.front()) : string_array(values)});
  }
  const Value k = key_from_url(args.method, args.url, Value::object(std::move(members)));
  char hex[19];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash_key(k)));
  const std::string canonical = key_string(k);
  if (common.json) {
    print_json(Value::object({{"key", k}, {"canonical", Value(canonical)}, {"hash", Value(hex)}}));
  } else {
    std::cout << "key   " << canonical << '\n' << "hash  " << hex << '\n';
  }
  return exit_ok;
}

}  // namespace mfstate::cli
