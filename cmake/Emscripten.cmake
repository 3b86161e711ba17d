# Flags for the WebAssembly build (Debian's emscripten 3.1.6, clang 14, libc++ 14).

# Debian's emscripten compiles with exception catching off unless told otherwise; mfstate reports
# bad input by throwing mfstate::Error, so catching must work in the browser as well. WebAssembly's
# own exception handling (not emscripten's JavaScript emulation): a smaller module, no invoke_
# trampolines through JavaScript, 1.4-2.3x faster; node 20 and every current browser run it.
add_compile_options(-fwasm-exceptions)
add_link_options(-fwasm-exceptions)

# SINGLE_FILE: Node 20's loader cannot fetch a .wasm next to the .js by path, so embed it.
# TOTAL_STACK (emscripten 3.1.6's name; later releases call it STACK_SIZE): Values nest up to
# 4096 levels and their recursive algorithms need several MB of stack, as natively.
add_link_options(
  -sSINGLE_FILE=1
  -sALLOW_MEMORY_GROWTH=1
  -sTOTAL_STACK=8388608
  -sINITIAL_MEMORY=33554432)
