// What a WebAssembly module is made of, for the size report of workloads.mjs --size: its sections,
// and (from a build with a name section, cmake target mfstate-web-names) each function's body size,
// grouped into the library's areas. Reads the binary itself: no tool needed.

// A module's sections, and with a name section each function's body size by name.
export function wasmLayout(bytes) {
  let at = 8;
  const u32 = () => {
    let result = 0, shift = 0, b;
    do {
      b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const name = () => {
    const n = u32();
    const text = Buffer.from(bytes.subarray(at, at + n)).toString("utf8");
    at += n;
    return text;
  };
  const SECTIONS = ["Custom", "Type", "Import", "Function", "Table", "Memory", "Global", "Export", "Start", "Elem", "Code", "Data", "DataCount", "Tag"];
  const sections = [];
  const bodies = []; // [function index, size]
  const names = new Map();
  let imported = 0;
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = u32();
    const end = at + size;
    let label = id === 13 ? "Tag" : SECTIONS[id] ?? `section ${id}`;
    if (id === 0) {
      const custom = name();
      label = `Custom "${custom}"`;
      if (custom === "name") {
        while (at < end) {
          const sub = bytes[at++];
          const subEnd = u32() + at;
          if (sub === 1) for (let i = 0, n = u32(); i < n; i++) names.set(u32(), name());
          at = subEnd;
        }
      }
    } else if (id === 2) {
      for (let i = 0, n = u32(); i < n; i++) {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) { u32(); imported++; }
        else if (kind === 1) { at++; const flags = u32(); u32(); if (flags & 1) u32(); }
        else if (kind === 2) { const flags = u32(); u32(); if (flags & 1) u32(); }
        else if (kind === 3) at += 2;
        else if (kind === 4) { at++; u32(); }
      }
    } else if (id === 10) {
      for (let i = 0, n = u32(); i < n; i++) {
        const body = u32();
        bodies.push([imported + i, body]);
        at += body;
      }
    }
    sections.push({ section: label, bytes: size });
    at = end;
  }
  return { sections, functions: bodies.map(([i, size]) => ({ name: names.get(i) ?? `func ${i}`, size })) };
}

// The areas of the code, first match wins (demangled names of the named module).
const AREAS = [
  ["std::function thunks (type-erased callbacks)", /^std::__2::__function::/],
  ["shared_ptr control blocks", /^std::__2::__shared_ptr_emplace|^std::__2::__shared_ptr_pointer|allocate_shared/],
  ["Boost.JSON (its parser, or Ryu's number spelling)", /boost::json|boost::system|ValueBuilder|^mfstate::parse_json/],
  ["boost::unordered tables", /boost::unordered/],
  ["xxHash", /XXH/],
  ["printf / strtod / long double (libc)", /^(printf_core|fmt_fp|strtod|__divtf3|__multf3|__addtf3|__subtf3|__floatsitf|__extenddftf2|__trunctfdf2|pop_arg|fmt_[a-z]|vsnprintf|snprintf|vfprintf|__vfprintf_internal|__floatscan|decfloat|hexfloat|scanexp|__shlim|__shgetc|__intscan|frexp|__ashlti3|__lshrti3|__letf2|__getf2|__eqtf2|__netf2|__unordtf2|__fixtfsi|__fixunstfsi|__floatunsitf|__multi3|wcrtomb|wctomb|out|pad|getint|sn_write|fiprintf|pop_arg_long_double|scalbnl?|copysignl|fmodl)$/],
  ["malloc (dlmalloc)", /^(dlmalloc|dlfree|dlrealloc|dispose_chunk|sbrk|try_realloc_chunk|internal_memalign|dlmemalign|dlposix_memalign|dlcalloc|emscripten_builtin_\w+|emscripten_resize_heap)$/],
  ["module ABI: exports, value codec, handles (js/packages/core/wasm)", /^mfs_|mfweb::/],
  ["libc (other)", /^[a-z_][A-Za-z0-9_]*$/],
  ["libc++abi, exceptions", /__cxxabiv1|__cxa_|std::exception|std::bad_|std::logic_error|std::runtime_error|std::out_of_range|std::length_error|std::invalid_argument|_Unwind|demangl|itanium/],
  ["schemas: compiler, validator", /Compiler::|Validator::|Walker::|SchemaNode|mfstate::Schema|schema/],
  ["manifests, expectations", /manifest|Manifest|Expectation|compat|Compat|Reservation/],
  ["JSON writer", /write_value|to_json|json/],
  ["queries, mutations, the shared cache", /Query|query|Observer|Mutation|mutation|ClientCore|Fetch|fetch|Retry|retry|Dehydrat|hydrate|Infinite|CacheIndex|TrieNode|replace_equal|Outcome|Future|Completion|Abort/],
  ["keys, URLs", /key_|Key|url|Url/],
  ["host, apps, exports, commands, transactions, inspector", /Host|App|Exports|Commands|Command|host|Transaction|transaction|Inspector|inspect/],
  ["bus", /Bus|Topic|topic/],
  ["stores", /Store|store|Reducer|Batcher/],
  ["values", /Value|value|Member|Path::|Node\b|node/],
  ["runtime, clock, errors", /Runtime|Clock|Timer|Scheduler|Executor|Error|error/],
  ["other mfstate", /mfstate/],
  ["libc++ (containers, strings, algorithms)", /std::/],
  ["other", /./],
];

export function codeByArea(functions) {
  const areas = new Map(AREAS.map(([a]) => [a, { area: a, bytes: 0, functions: 0 }]));
  for (const f of functions) {
    const [area] = AREAS.find(([, re]) => re.test(f.name));
    const row = areas.get(area);
    row.bytes += f.size;
    row.functions++;
  }
  return [...areas.values()].filter((r) => r.functions > 0).sort((a, b) => b.bytes - a.bytes);
}
