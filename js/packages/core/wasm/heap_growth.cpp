// The module's memory grows in proportion to its size, not by what each sbrk asks for.
//
// A standalone emscripten module (system/lib/standalone/standalone.c) grows its memory by exactly
// the pages malloc's sbrk asks for: a query cache filling up grows it a few hundred KB at a time,
// hundreds of times. An engine that cannot grow a memory in place copies it on every growth (V8 in
// node on our machines: ~20 µs a growth at 50 MB, ~1 ms at 200 MB), so filling the heap cost time
// quadratic in its size: setQueryData on new keys went from ~10 µs to 50-80 µs past 150,000
// entries. Growing by half the current size (at most 128 MB at a time) makes the copies a constant
// share of the work, as emscripten's JavaScript glue does with its geometric step.
//
// The module links with `--wrap=emscripten_resize_heap` (CMakeLists.txt): sbrk calls this wrapper,
// which calls the library's own function (`__real_`) with the larger size, or with the size asked
// for when the larger one is refused (the memory's maximum is near).
#include <cstddef>
#include <cstdint>

extern "C" int __real_emscripten_resize_heap(std::size_t size);

namespace {
constexpr std::uint64_t page_bytes = 65536;
constexpr std::uint64_t max_step = std::uint64_t{128} << 20;
constexpr std::uint64_t address_space = std::uint64_t{1} << 32;
}  // namespace

extern "C" int __wrap_emscripten_resize_heap(std::size_t size) {
  const std::uint64_t current = static_cast<std::uint64_t>(__builtin_wasm_memory_size(0)) * page_bytes;
  std::uint64_t step = current / 2;
  if (step > max_step) step = max_step;
  std::uint64_t target = current + step;
  if (target < size) target = size;
  target = (target + page_bytes - 1) / page_bytes * page_bytes;
  if (target > size && target < address_space && __real_emscripten_resize_heap(static_cast<std::size_t>(target))) {
    return 1;
  }
  return __real_emscripten_resize_heap(size);
}
