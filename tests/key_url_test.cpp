// key_from_url: every spelling of one request gives one key; near misses give different keys;
// bad input is a clear error.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "mfstate/key.hpp"

using namespace mfstate;

namespace {

struct Request {
  std::string method;
  std::string url;
  Value params = Value::object();
};

Value key_of(const Request& r) { return key_from_url(r.method, r.url, r.params); }

ErrorCode code_of(const Request& r) {
  try {
    key_of(r);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an error for " << r.method << " " << r.url << " " << r.params.to_json();
  return ErrorCode::io_error;
}

struct Pair {
  const char* what;
  Request a;
  Request b;
};

}  // namespace

TEST(KeyUrl, BuildsMethodUrlAndSortedParams) {
  Value key = key_from_url("get", "https://example.com/api/users?b=x&a=1&b=y");
  EXPECT_EQ(key.to_json(), R"(["GET","https://example.com/api/users",{"a":"1","b":["x","y"]}])");
}

TEST(KeyUrl, ParamsObjectIsAlwaysPresent) {
  EXPECT_EQ(key_from_url("GET", "https://example.com").to_json(), R"(["GET","https://example.com/",{}])");
}

TEST(KeyUrl, SpellingsOfOneRequestGiveOneKey) {
  const std::vector<Pair> pairs = {
      {"case of scheme and host",
       {"GET", "HTTPS://API.Example.COM/users"},
       {"GET", "https://api.example.com/users"}},
      {"case of the method", {"get", "https://example.com/users"}, {"GET", "https://example.com/users"}},
      {"default https port", {"GET", "https://example.com:443/users"}, {"GET", "https://example.com/users"}},
      {"default http port", {"GET", "http://example.com:80/users"}, {"GET", "http://example.com/users"}},
      {"empty port", {"GET", "http://example.com:/users"}, {"GET", "http://example.com/users"}},
      {"escaped unreserved character",
       {"GET", "https://example.com/%7Euser/a%2Db"},
       {"GET", "https://example.com/~user/a-b"}},
      {"case of escape digits", {"GET", "https://example.com/a%2fb"}, {"GET", "https://example.com/a%2Fb"}},
      {"dot segments",
       {"GET", "https://example.com/api/./v1/../users"},
       {"GET", "https://example.com/api/users"}},
      {"escaped dot segments",
       {"GET", "https://example.com/api/%2E%2e/users"},
       {"GET", "https://example.com/users"}},
      {"parameter order",
       {"GET", "https://example.com/users?page=2&sort=name"},
       {"GET", "https://example.com/users?sort=name&page=2"}},
      {"query vs params",
       {"GET", "https://example.com/users?page=2&sort=name"},
       {"GET", "https://example.com/users", Value::object({{"sort", "name"}, {"page", "2"}})}},
      {"repeated params among others", {"GET", "/users?tag=a&x=1&tag=b"}, {"GET", "/users?x=1&tag=a&tag=b"}},
      {"repeated params as an array",
       {"GET", "/users?tag=a&tag=b"},
       {"GET", "/users", Value::object({{"tag", Value::array({"a", "b"})}})}},
      {"query then params",
       {"GET", "/users?tag=a&tag=b"},
       {"GET", "/users?tag=a", Value::object({{"tag", "b"}})}},
      {"trailing question mark", {"GET", "https://example.com/users?"}, {"GET", "https://example.com/users"}},
      {"fragment",
       {"GET", "https://example.com/users?a=1#section"},
       {"GET", "https://example.com/users?a=1"}},
      {"numeric params",
       {"GET", "/users?page=2&size=20"},
       {"GET", "/users", Value::object({{"page", 2}, {"size", 20.0}})}},
      {"boolean params", {"GET", "/users?active=true"}, {"GET", "/users", Value::object({{"active", true}})}},
      {"double params", {"GET", "/users?min=0.5"}, {"GET", "/users", Value::object({{"min", 0.5}})}},
      {"empty path", {"GET", "https://example.com"}, {"GET", "https://example.com/"}},
      {"plus and %20 in a query", {"GET", "/search?q=a+b"}, {"GET", "/search?q=a%20b"}},
      {"query escapes vs params text",
       {"GET", "/search?q=caf%C3%A9%26co"},
       {"GET", "/search", Value::object({{"q", "café&co"}})}},
      {"raw and escaped UTF-8 in the path", {"GET", "/café"}, {"GET", "/caf%c3%a9"}},
      {"empty query pieces", {"GET", "/users?&a=1&&b=2&"}, {"GET", "/users?a=1&b=2"}},
      {"null params left out", {"GET", "/users"}, {"GET", "/users", Value::object({{"filter", nullptr}})}},
      {"leading zeros in a port", {"GET", "http://example.com:08080/"}, {"GET", "http://example.com:8080/"}},
      {"case of an IPv6 host", {"GET", "http://[FE80::1]:80/"}, {"GET", "http://[fe80::1]/"}},
      {"characters a path may not hold raw", {"GET", "/a%5Bb%5D"}, {"GET", "/a[b]"}},
  };
  for (const Pair& p : pairs) {
    Value a = key_of(p.a);
    Value b = key_of(p.b);
    EXPECT_EQ(a, b) << p.what << ": " << a.to_json() << " vs " << b.to_json();
    EXPECT_EQ(hash_key(a), hash_key(b)) << p.what;
    EXPECT_EQ(key_string(a), key_string(b)) << p.what;
  }
}

TEST(KeyUrl, NearMissesGiveDifferentKeys) {
  const std::vector<Pair> pairs = {
      {"case of the path", {"GET", "https://example.com/Users"}, {"GET", "https://example.com/users"}},
      {"order of a repeated parameter", {"GET", "/users?tag=a&tag=b"}, {"GET", "/users?tag=b&tag=a"}},
      {"trailing slash", {"GET", "https://example.com/users/"}, {"GET", "https://example.com/users"}},
      {"different port", {"GET", "https://example.com:8443/users"}, {"GET", "https://example.com/users"}},
      {"default port of the other scheme",
       {"GET", "http://example.com:443/"},
       {"GET", "http://example.com/"}},
      {"different value", {"GET", "/users?page=2"}, {"GET", "/users?page=3"}},
      {"different method", {"GET", "/users"}, {"POST", "/users"}},
      {"different scheme", {"GET", "http://example.com/"}, {"GET", "https://example.com/"}},
      {"escaped slash vs slash", {"GET", "/a%2Fb"}, {"GET", "/a/b"}},
      {"parameter given twice vs once", {"GET", "/users?tag=a&tag=a"}, {"GET", "/users?tag=a"}},
      {"empty value vs no parameter", {"GET", "/users?a="}, {"GET", "/users"}},
      {"escaped plus vs plus", {"GET", "/search?q=a%2Bb"}, {"GET", "/search?q=a+b"}},
      {"relative vs absolute", {"GET", "/users"}, {"GET", "https://example.com/users"}},
      {"double slash", {"GET", "/a//b"}, {"GET", "/a/b"}},
  };
  for (const Pair& p : pairs) {
    Value a = key_of(p.a);
    Value b = key_of(p.b);
    EXPECT_NE(a, b) << p.what << ": both " << a.to_json();
    EXPECT_NE(hash_key(a), hash_key(b)) << p.what;
  }
}

TEST(KeyUrl, RelativeUrlKeepsNoSchemeOrHost) {
  EXPECT_EQ(key_from_url("GET", "/api/users/me").to_json(), R"(["GET","/api/users/me",{}])");
  EXPECT_EQ(key_from_url("GET", "/").at(1).as_string(), "/");
}

TEST(KeyUrl, DotSegmentsFollowRfc3986) {
  EXPECT_EQ(key_from_url("GET", "/a/b/c/./../../g").at(1).as_string(), "/a/g");
  EXPECT_EQ(key_from_url("GET", "/a/b/..").at(1).as_string(), "/a/");
  EXPECT_EQ(key_from_url("GET", "/a/b/.").at(1).as_string(), "/a/b/");
  EXPECT_EQ(key_from_url("GET", "/../../a").at(1).as_string(), "/a");
  EXPECT_EQ(key_from_url("GET", "/a/..b/.c").at(1).as_string(), "/a/..b/.c");
  EXPECT_EQ(key_from_url("GET", "https://example.com/..").at(1).as_string(), "https://example.com/");
  // An absolute URL's path may start with "//": the host is already known.
  EXPECT_EQ(key_from_url("GET", "https://example.com/..//x").at(1).as_string(), "https://example.com//x");
}

TEST(KeyUrl, PathEscapesAreNormalised) {
  EXPECT_EQ(key_from_url("GET", "/%41%62%2d%5f%2e%7e%2f%3f%25").at(1).as_string(), "/Ab-_.~%2F%3F%25");
  EXPECT_EQ(key_from_url("GET", "/a\"b<c>^`{|}\\").at(1).as_string(), "/a%22b%3Cc%3E%5E%60%7B%7C%7D%5C");
  EXPECT_EQ(key_from_url("GET", "/$&'()*+,;=:@!").at(1).as_string(), "/$&'()*+,;=:@!");
}

TEST(KeyUrl, QueryIsFormDecoded) {
  Value key = key_from_url("GET", "/s?q=a+b%2Bc&name%5B%5D=x&=empty&flag");
  EXPECT_EQ(key.at(2).get("q").as_string(), "a b+c");
  EXPECT_EQ(key.at(2).get("name[]").as_string(), "x");
  EXPECT_EQ(key.at(2).get("").as_string(), "empty");
  EXPECT_EQ(key.at(2).get("flag").as_string(), "");
  // A '?' after the first belongs to the query; a '#' ends it.
  EXPECT_EQ(key_from_url("GET", "/s?q=a?b#c&d=1").at(2).to_json(), R"({"q":"a?b"})");
}

TEST(KeyUrl, ParamsAreAppendedAfterTheQuery) {
  Value key = key_from_url("GET", "/users?page=1", Value::object({{"page", 2}}));
  EXPECT_EQ(key.at(2).to_json(), R"({"page":["1","2"]})");
  // Repeated parameters keep their order, the query's before the params'.
  Value key2 = key_from_url("GET", "/u?t=b", Value::object({{"t", Value::array({"c", "a"})}}));
  EXPECT_EQ(key2.at(2).to_json(), R"({"t":["b","c","a"]})");
}

TEST(KeyUrl, ParamsAreSortedByName) {
  Value key = key_from_url("GET", "/u?zeta=1&Beta=2", Value::object({{"alpha", 3}, {"beta", 4}}));
  EXPECT_EQ(key.at(2).to_json(), R"({"Beta":"2","alpha":"3","beta":"4","zeta":"1"})");
}

TEST(KeyUrl, ParamValuesAreWrittenAsAUrlWritesThem) {
  Value key = key_from_url("GET", "/u",
                           Value::object({{"i", -7},
                                          {"d", 2.5},
                                          {"whole", 3.0},
                                          {"t", true},
                                          {"f", false},
                                          {"list", Value::array({1, "x", nullptr, false})}}));
  EXPECT_EQ(key.at(2).to_json(),
            R"({"d":"2.5","f":"false","i":"-7","list":["1","x","false"],"t":"true","whole":"3"})");
}

TEST(KeyUrl, NormalisingAKeyAgainGivesTheSameKey) {
  for (const char* url : {"HTTPS://Example.com:443/a/./b/../%7ec%2f?x=1&y=a+b&x=2#f",
                          "/caf%C3%A9?q=%26&q=%3D", "http://[::1]:8080/a[b]", "/%25%32%35?%25=%2525"}) {
    Value key = key_from_url("get", url, Value::object({{"n", 2}}));
    Value again = key_from_url(key.at(0).as_string(), key.at(1).as_string(), key.at(2));
    EXPECT_EQ(again, key) << url << " -> " << key.to_json() << " -> " << again.to_json();
  }
}

TEST(KeyUrl, BadUrlsAreInvalidUrl) {
  const std::vector<std::string> bad = {
      "",
      "https://example.com/a\nb",
      std::string("/a\0b", 4),
      "/a\x7f",
      "https://example.com/a b",
      " /users",
      "/users%",
      "/users%4",
      "/users%zz",
      "/users?q=%g0",
      "/users?q=%FF",  // decodes to bytes that are not UTF-8
      "/\xff\xfe",     // raw bytes that are not UTF-8
      "/\xc0\xaf",     // overlong UTF-8
      "https://example.com:65536/",
      "https://example.com:-1/",
      "https://example.com:8o/",
      "https://example.com:99999999999999999999/",
      "https://user:pass@example.com/",
      "https:///path",
      "https://:80/",
      "https://exa mple.com/",
      "https://exämple.com/",
      "https://ex%41mple.com/",
      "https://[::1/",
      "https://[]/",
      "https://[::g]/",
      "https://[::1]x/",
      "//example.com/users",
      "/..//example.com/users",  // found by fuzzing: resolves to "//example.com/users"
      "/a/../..//x",
      "/.//x",
      "users/me",
      "example.com/users",
      "1http://example.com/",
      "mailto:someone@example.com",
      "http:/example.com",
  };
  for (const std::string& url : bad) {
    EXPECT_EQ(code_of({"GET", url}), ErrorCode::invalid_url) << url;
  }
}

TEST(KeyUrl, BadMethodsAndParamsAreInvalidKey) {
  EXPECT_EQ(code_of({"", "/users"}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GE T", "/users"}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET\n", "/users"}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"G(E)T", "/users"}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value::array({"a"})}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value("a=1")}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value()}), ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value::object({{"f", Value::object({{"a", 1}})}})}),
            ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value::object({{"f", Value::array({Value::array({1})})}})}),
            ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value::object({{"f", std::numeric_limits<double>::quiet_NaN()}})}),
            ErrorCode::invalid_key);
  EXPECT_EQ(code_of({"GET", "/users", Value::object({{"f", std::string("\xff")}})}), ErrorCode::invalid_key);
}

TEST(KeyUrl, ErrorMessageQuotesTheUrlWithControlCharactersEscaped) {
  try {
    (void)key_from_url("GET", "/a\nb");
    FAIL() << "expected invalid_url";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_url);
    EXPECT_NE(std::string(e.what()).find("\"/a\\x0Ab\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("control character at byte 2"), std::string::npos) << e.what();
  }
}

TEST(KeyUrl, KeyFromUrlWorksWithPrefixMatching) {
  Value key = key_from_url("GET", "https://example.com/users?id=1&page=2");
  EXPECT_TRUE(matches(Value::array({"GET"}), key));
  EXPECT_TRUE(matches(Value::array({"GET", "https://example.com/users"}), key));
  EXPECT_TRUE(matches(parse_json(R"(["GET","https://example.com/users",{"id":"1"}])"), key));
  EXPECT_FALSE(matches(parse_json(R"(["GET","https://example.com/users",{"id":1}])"), key));
  EXPECT_TRUE(matches(key_from_url("GET", "https://example.com/users?page=2&id=1"), key, true));
}
