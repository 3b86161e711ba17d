// Uses an installed mfstate through its public header only; exits non-zero when anything is off.
#include <mfstate/mfstate.hpp>

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mfstate-consumer: expected %s\n", what);
    ++failures;
  }
}

}  // namespace

int main() {
  mfstate::Value v = mfstate::parse_json(R"({"user":{"name":"John Doe"},"n":1})");
  mfstate::Value w = v.set_in({"user", "name"}, "Jane Doe");
  expect(v.get_in({"user", "name"}).as_string() == "John Doe", "the original to stay unchanged");
  expect(w.to_canonical_json() == R"({"n":1,"user":{"name":"Jane Doe"}})", "canonical JSON");

  bool threw = false;
  try {
    (void)mfstate::parse_json("{");
  } catch (const mfstate::Error&) {
    threw = true;
  }
  expect(threw, "malformed JSON to throw mfstate::Error");

  mfstate::ManualClock clock;
  mfstate::Runtime runtime(clock);
  int fired = 0;
  runtime.scheduler().schedule_after(mfstate::Millis{10}, [&] { ++fired; });
  runtime.advance(mfstate::Millis{10});
  expect(fired == 1, "a timer to fire when its time comes");

  if (failures == 0) std::puts("mfstate-consumer: ok");
  return failures == 0 ? 0 : 1;
}
