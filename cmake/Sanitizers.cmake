# -DMFSTATE_SANITIZE=address,undefined or thread: every target of the build is instrumented.
if(MFSTATE_SANITIZE)
  if(MFSTATE_WASM)
    message(FATAL_ERROR "MFSTATE_SANITIZE is for native builds only")
  endif()
  add_compile_options(-fsanitize=${MFSTATE_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${MFSTATE_SANITIZE})
  if(MFSTATE_SANITIZE MATCHES "undefined")
    # A UBSan finding fails the test instead of scrolling past.
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

# libFuzzer targets need coverage instrumentation in the library they exercise too.
if(MFSTATE_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MFSTATE_BUILD_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
