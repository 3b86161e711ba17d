// The demo chapter (examples/demo_cli.hpp) compiles and shows the break being caught.
#include <gtest/gtest.h>

#include <sstream>

#include "../../examples/demo_cli.hpp"

TEST(CliDemo, ShowsTheRenameCaughtAndTheCompatibleChangePassing) {
  std::ostringstream out;
  EXPECT_EQ(mfstate::demo::show_contracts_in_ci(out), 1u);
  const std::string text = out.str();
  EXPECT_NE(text.find("BREAK  home 1.0.0 reads export profile/user at /name"), std::string::npos) << text;
  EXPECT_NE(text.find("OK: profile 1.1.0 is compatible"), std::string::npos) << text;
}
