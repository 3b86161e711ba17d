// The module's mfstate::manifest_schema(): the schema's text (manifest_schema_json) parsed by
// JavaScript's JSON.parse and staged back as a Value, instead of by mfstate::parse_json. Nothing
// else in the module reads JSON text, so the library's JSON text parser (Boost.JSON's, with
// strtod: ~39 KB of code, about 14 KB gzip) stays out of the module. This definition is linked
// before the library, whose own (src/manifest_schema.cpp) is then never pulled in.
#include <cstddef>

#include "bridge.hpp"
#include "mfstate/manifest.hpp"

extern "C" {
/// Parses the UTF-8 JSON text at `text` with JSON.parse and stages the value (mfs_stage).
void mfs_js_parse_json(const char* text, std::size_t length);
}

namespace mfstate {

const Schema& manifest_schema() {
  static const Schema schema = [] {
    const std::string_view text = manifest_schema_json();
    mfs_js_parse_json(text.data(), text.size());
    return Schema::parse(mfweb::staged::pop());
  }();
  return schema;
}

}  // namespace mfstate
