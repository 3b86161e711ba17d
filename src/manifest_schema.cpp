// The compiled schema of mfstate.json, from its text (manifest_schema_json). Its own file so that
// a program with another JSON parser at hand can link its own definition and leave
// mfstate::parse_json out: the WebAssembly module of @mfstate/core does (js/packages/core/wasm).
#include "mfstate/manifest.hpp"

namespace mfstate {

const Schema& manifest_schema() {
  static const Schema schema = Schema::parse_json(manifest_schema_json());
  return schema;
}

}  // namespace mfstate
