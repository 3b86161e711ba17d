# Header-only dependencies, found so that the same code builds natively and for WebAssembly.

# Boost (JSON's parser, unordered_flat_map): header-only. For emscripten we expose only the
# boost folder through a directory of its own, since adding the whole system include folder
# breaks emscripten's sysroot.
find_path(MFSTATE_SYSTEM_BOOST_DIR boost/json.hpp PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH)
if(NOT MFSTATE_SYSTEM_BOOST_DIR)
  message(FATAL_ERROR "Boost 1.81 headers not found: install libboost1.81-dev (make bootstrap)")
endif()
if(EMSCRIPTEN)
  set(MFSTATE_BOOST_INCLUDE_DIR ${CMAKE_BINARY_DIR}/boost-include)
  file(MAKE_DIRECTORY ${MFSTATE_BOOST_INCLUDE_DIR})
  if(NOT EXISTS ${MFSTATE_BOOST_INCLUDE_DIR}/boost)
    file(CREATE_LINK ${MFSTATE_SYSTEM_BOOST_DIR}/boost ${MFSTATE_BOOST_INCLUDE_DIR}/boost SYMBOLIC)
  endif()
else()
  set(MFSTATE_BOOST_INCLUDE_DIR ${MFSTATE_SYSTEM_BOOST_DIR})
endif()

# xxHash: used header-only (XXH_INLINE_ALL) so nothing needs linking, natively or in WebAssembly.
find_path(MFSTATE_XXHASH_DIR xxhash.h PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH)
if(NOT MFSTATE_XXHASH_DIR)
  message(FATAL_ERROR "xxhash.h not found: install libxxhash-dev (make bootstrap)")
endif()
set(MFSTATE_XXHASH_INCLUDE_DIR ${CMAKE_BINARY_DIR}/xxhash-include)
file(MAKE_DIRECTORY ${MFSTATE_XXHASH_INCLUDE_DIR})
foreach(header xxhash.h xxh3.h)
  if(EXISTS ${MFSTATE_XXHASH_DIR}/${header} AND NOT EXISTS ${MFSTATE_XXHASH_INCLUDE_DIR}/${header})
    file(CREATE_LINK ${MFSTATE_XXHASH_DIR}/${header} ${MFSTATE_XXHASH_INCLUDE_DIR}/${header} SYMBOLIC)
  endif()
endforeach()
add_library(mfstate_xxhash INTERFACE)
target_include_directories(mfstate_xxhash SYSTEM INTERFACE $<BUILD_INTERFACE:${MFSTATE_XXHASH_INCLUDE_DIR}>)
target_compile_definitions(mfstate_xxhash INTERFACE XXH_INLINE_ALL)

# cpp-httplib (native only): Debian ships it compiled (libcpp-httplib), not header-only.
# mfstate::http (HttpFetcher, src/native/http_fetcher.cpp) and the tests' HTTP servers use it.
if(NOT EMSCRIPTEN)
  find_path(MFSTATE_HTTPLIB_INCLUDE_DIR httplib.h PATHS /usr/include)
  find_library(MFSTATE_HTTPLIB_LIBRARY cpp-httplib)
  if(NOT MFSTATE_HTTPLIB_INCLUDE_DIR OR NOT MFSTATE_HTTPLIB_LIBRARY)
    message(FATAL_ERROR "cpp-httplib not found: install libcpp-httplib-dev (make bootstrap)")
  endif()
  add_library(mfstate_httplib INTERFACE)
  target_include_directories(mfstate_httplib SYSTEM INTERFACE $<BUILD_INTERFACE:${MFSTATE_HTTPLIB_INCLUDE_DIR}>)
  target_link_libraries(mfstate_httplib INTERFACE $<BUILD_INTERFACE:${MFSTATE_HTTPLIB_LIBRARY}>)
  # Debian compiles the library with TLS and compression on; every user of its header must see
  # the same definitions, or the classes' layouts differ between the library and us.
  target_compile_definitions(mfstate_httplib INTERFACE
    CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
endif()

# The contract registry's backends (native only, mfstate::registry): SQLite (the single-file
# backend), libpq (PostgreSQL) and OpenSSL (https:// for the HTTP client, SHA-256 of access tokens).
if(NOT EMSCRIPTEN)
  find_path(MFSTATE_SQLITE_INCLUDE_DIR sqlite3.h)
  find_library(MFSTATE_SQLITE_LIBRARY sqlite3)
  find_path(MFSTATE_LIBPQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
  find_library(MFSTATE_LIBPQ_LIBRARY pq)
  find_package(OpenSSL)
  if(NOT MFSTATE_SQLITE_INCLUDE_DIR OR NOT MFSTATE_SQLITE_LIBRARY)
    message(FATAL_ERROR "SQLite not found: install libsqlite3-dev (make bootstrap)")
  endif()
  if(NOT MFSTATE_LIBPQ_INCLUDE_DIR OR NOT MFSTATE_LIBPQ_LIBRARY)
    message(FATAL_ERROR "libpq not found: install libpq-dev (make bootstrap)")
  endif()
  if(NOT OPENSSL_FOUND)
    message(FATAL_ERROR "OpenSSL not found: install libssl-dev (make bootstrap)")
  endif()
  add_library(mfstate_registry_deps INTERFACE)
  target_include_directories(mfstate_registry_deps SYSTEM INTERFACE
    ${MFSTATE_SQLITE_INCLUDE_DIR} ${MFSTATE_LIBPQ_INCLUDE_DIR})
  target_link_libraries(mfstate_registry_deps INTERFACE
    ${MFSTATE_SQLITE_LIBRARY} ${MFSTATE_LIBPQ_LIBRARY} OpenSSL::SSL OpenSSL::Crypto)
endif()
