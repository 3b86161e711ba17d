// The last resort of error reporting (error_sink.hpp): an error no handler took, or whose handler
// threw, is written to stderr. These pin the lines, which are written piece by piece (no printf:
// the WebAssembly module would pay 8 KB for its formatting).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "error_sink.hpp"

using namespace mfstate;

namespace {

// gtest's capture swaps file descriptor 2, which emscripten's stdio does not follow.
#ifdef __EMSCRIPTEN__
#define SKIP_WITHOUT_STDERR_CAPTURE() GTEST_SKIP() << "stderr cannot be captured in WebAssembly"
#else
#define SKIP_WITHOUT_STDERR_CAPTURE() (void)0
#endif

std::string stderr_of(const ErrorHandler& handler, const Error& error) {
  testing::internal::CaptureStderr();
  detail::report_error(handler, error);
  return testing::internal::GetCapturedStderr();
}

const Error boom(ErrorCode::type_error, "expected integer, got string");

TEST(ErrorReportFallback, AnErrorNoHandlerTakesIsOneLineWithItsCode) {
  SKIP_WITHOUT_STDERR_CAPTURE();
  EXPECT_EQ(stderr_of(nullptr, boom), "mfstate: type_error: expected integer, got string\n");
}

TEST(ErrorReportFallback, AHandlerThatThrowsIsNamedBeforeTheErrorItWasHandling) {
  SKIP_WITHOUT_STDERR_CAPTURE();
  EXPECT_EQ(stderr_of([](const Error&) { throw std::runtime_error("handler broke"); }, boom),
            "mfstate: the error handler threw (handler broke) while handling: mfstate: type_error: expected "
            "integer, got string\n");
  EXPECT_EQ(stderr_of([](const Error&) { throw 7; }, boom),
            "mfstate: the error handler threw while handling: mfstate: type_error: expected integer, got string\n");
}

TEST(ErrorReportFallback, AHandlerThatTakesTheErrorLeavesStderrAlone) {
  SKIP_WITHOUT_STDERR_CAPTURE();
  int heard = 0;
  EXPECT_EQ(stderr_of([&](const Error& e) { heard += e.code() == ErrorCode::type_error; }, boom), "");
  EXPECT_EQ(heard, 1);
}

}  // namespace
