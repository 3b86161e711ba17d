// Declares the functions the module imports from the package's JavaScript (src/wasm.ts implements
// them), so emscripten's linker accepts them as imports from "env".
mergeInto(LibraryManager.library, {
  mfs_js_invoke: function () {},
  mfs_js_claim: function () {},
  mfs_js_release: function () {},
  mfs_js_release_error: function () {},
  mfs_js_now: function () {},
  mfs_js_twins: function () {},
  mfs_js_parse_json: function () {},
});
