// Contract costs on a boundary: validating a typical export value (done on every crossing when
// validation is on), compiling a schema, diffing two versions and checking expectations (CI).
#include <benchmark/benchmark.h>

#include <string>

#include "mfstate/contract.hpp"

namespace {

const char* user_schema = R"({"type":"object","additionalProperties":false,
  "required":["userId","firstName","lastName","roles","address"],
  "properties":{
    "userId":{"type":"string","minLength":1,"maxLength":64},
    "firstName":{"type":"string","maxLength":100},
    "lastName":{"type":"string","maxLength":100},
    "age":{"type":["integer","null"],"minimum":0,"maximum":150},
    "roles":{"type":"array","items":{"enum":["admin","editor","viewer"]}},
    "address":{"type":"object","required":["city"],"properties":{
      "city":{"type":"string"},"zip":{"type":"string","maxLength":10}}},
    "contact":{"oneOf":[
      {"type":"object","required":["kind","email"],"properties":{"kind":{"const":"email"},"email":{"type":"string"}}},
      {"type":"object","required":["kind","phone"],"properties":{"kind":{"const":"phone"},"phone":{"type":"string"}}}]}}})";

mfstate::Value user_value() {
  return mfstate::parse_json(R"({"userId":"u-42","firstName":"Ada","lastName":"Lovelace","age":36,
    "roles":["admin","viewer"],"address":{"city":"London","zip":"W1"},"contact":{"kind":"phone","phone":"+44"}})");
}

void BM_ContractValidateUser(benchmark::State& state) {
  auto schema = mfstate::Schema::parse_json(user_schema);
  auto value = user_value();
  for (auto _ : state) benchmark::DoNotOptimize(mfstate::validate(schema, value));
}
BENCHMARK(BM_ContractValidateUser);

void BM_ContractValidateArrayOfUsers(benchmark::State& state) {
  auto schema = mfstate::Schema::parse_json(std::string(R"({"type":"array","items":)") + user_schema + "}");
  std::vector<mfstate::Value> users(static_cast<std::size_t>(state.range(0)), user_value());
  auto value = mfstate::Value::array(std::move(users));
  for (auto _ : state) benchmark::DoNotOptimize(mfstate::validate(schema, value));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ContractValidateArrayOfUsers)->Arg(100)->Arg(10000);

void BM_ContractParseSchema(benchmark::State& state) {
  auto document = mfstate::parse_json(user_schema);
  for (auto _ : state) benchmark::DoNotOptimize(mfstate::Schema::parse(document));
}
BENCHMARK(BM_ContractParseSchema);

void BM_ContractDiff(benchmark::State& state) {
  auto before = mfstate::Schema::parse_json(user_schema);
  std::string changed = user_schema;
  changed.replace(changed.find(R"("maximum":150)"), 13, R"("maximum":200)");
  auto after = mfstate::Schema::parse_json(changed);
  for (auto _ : state) benchmark::DoNotOptimize(mfstate::diff(before, after, mfstate::SchemaRole::producer));
}
BENCHMARK(BM_ContractDiff);

void BM_ContractCheckExpectations(benchmark::State& state) {
  auto schema = mfstate::Schema::parse_json(user_schema);
  auto expectations = mfstate::Expectations::from_value(mfstate::parse_json(
      R"({"/userId":"string","/firstName":"string","/address/city":"string","/roles/0":"string",
          "/age":{"type":["integer","null"],"required":false},"/contact/kind":{"type":"string","required":false}})"));
  for (auto _ : state) benchmark::DoNotOptimize(mfstate::check(schema, expectations));
}
BENCHMARK(BM_ContractCheckExpectations);

}  // namespace
