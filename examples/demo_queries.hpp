// Demo chapter: the article's second failure — two apps caching the same user drift apart — and
// how one shared query cache prevents it. Home observes the user; Profile renames it and
// invalidates the key; Home sees the new name after one refetch, without knowing Profile exists.
// Header-only: examples/demo.cpp calls show_shared_query_cache().
#pragma once

#include <cstdio>
#include <string>

#include "mfstate/host.hpp"
#include "mfstate/key.hpp"

namespace mfstate::demo {

inline void show_shared_query_cache() {
  std::printf("== One shared query cache: Home and Profile see the same user ==\n");
  ManualClock clock;
  Host host(clock);
  App home = host.mount("home");
  App profile = host.mount("profile");

  // The "server": a user record and a count of the requests it answered.
  std::string server_name = "John Doe";
  int requests = 0;
  Fetcher fetch_user = sync_fetcher([&](const Value&) {
    ++requests;
    return Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", server_name}});
  });

  // Two apps spell the request differently; both land on one cache entry.
  const Value home_key = key_from_url("GET", "/api/users/me?fields=name&v=2");
  const Value profile_key =
      key_from_url("get", "/api/./users/me", Value::object({{"v", 2}, {"fields", "name"}}));
  auto shown = [](const char* who) {
    return [who](const QueryResult& r) {
      if (r.data && !r.is_fetching()) {
        std::printf("  %-8s shows %s\n", who, std::string(r.data->get("name").as_string()).c_str());
      }
    };
  };
  Subscription home_view =
      home.observe({.key = home_key, .fetcher = fetch_user, .stale_time = Millis{30000}}, shown("home"));
  Subscription profile_view = profile.observe(
      {.key = profile_key, .fetcher = fetch_user, .stale_time = Millis{30000}}, shown("profile"));
  host.run_until_idle();
  std::printf("  requests so far: %d (two observers, one entry, one request)\n", requests);

  // Profile renames the user on the server, then invalidates by prefix: every observer refetches.
  std::printf("  profile renames the user and invalidates [\"GET\", \"/api/users/me\"]\n");
  server_name = "Jane Roe";
  host.queries().invalidate_queries({.key = Value::array({"GET", "/api/users/me"})});
  host.run_until_idle();
  std::printf("  requests so far: %d (one refetch serves both apps)\n\n", requests);
}

}  // namespace mfstate::demo
