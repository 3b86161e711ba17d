// What the exports of host_abi.cpp and query_abi.cpp share: the host and client tables.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bridge.hpp"
#include "handles.hpp"
#include "mfstate/host.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"

namespace mfweb {

/// Time from JavaScript's Date.now(), so timers agree with the page's event loop.
class JsClock final : public mfstate::Clock {
 public:
  mfstate::Millis now() const override;
};

/// A Host and the clock it runs on.
struct WebHost {
  JsClock clock;
  std::unique_ptr<mfstate::ManualClock> manual;
  /// Notifications held while JavaScript delivers a plain message (mfs_host_hold). Declared before
  /// the host, so destroyed after it: a host disposed during a delivery unmounts its apps first,
  /// as one disposed inside a notification does.
  std::vector<mfstate::Subscription> holds;
  std::unique_ptr<mfstate::Host> host;
};

HandleTable<WebHost>& hosts();
HandleTable<mfstate::Subscription>& subscriptions();

/// Keeps a subscription for JavaScript (ended by mfs_unsubscribe); returns its handle.
inline std::uint32_t keep(mfstate::Subscription s) {
  return subscriptions().add(std::make_unique<mfstate::Subscription>(std::move(s)));
}

/// Writes a handle as an export's result.
inline void write_handle(std::uint32_t h) {
  Writer w;
  w.integer(h);
}

/// A runtime's activity (Runtime::activity) as the exports hand it to JavaScript: its low 30 bits,
/// a small integer that only the driver's comparison with its last value reads.
inline int activity_word(std::uint64_t activity) { return static_cast<int>(activity & 0x3fffffffu); }

/// What mfs_host_run and mfs_client_run write: when the next timer is due (the clock's
/// milliseconds, or null), how many tasks and timers ran, and the activity after the run.
inline void write_run_result(std::optional<mfstate::Millis> due, std::size_t ran, std::uint64_t activity) {
  Writer w;
  if (due) {
    w.number(static_cast<double>(due->count()));
  } else {
    w.null();
  }
  w.integer(static_cast<std::int64_t>(ran));
  w.integer(activity_word(activity));
}

/// Runs `host`'s posted work, and with `timers` its due timers too, and writes what
/// write_run_result writes: mfs_host_run's body, and mfs_client_run's for a host's shared client.
inline void run_host(mfstate::Host& host, int timers) {
  std::size_t ran = timers != 0 ? host.run_until_idle() : host.run_posted();
  write_run_result(host.next_due(), ran, host.activity());
}

/// QueryClientOptions from {defaultOptions: {queries}, maxEntries, maxBytes, online, focused}.
mfstate::QueryClientOptions client_options_from(const mfstate::Value& options);
/// QueryOptions from TanStack's option names (functions as ids, see query_abi.cpp).
mfstate::QueryOptions query_options_from(const mfstate::Value& options);
/// A listener handing each result to JavaScript function `fn`.
mfstate::QueryListener query_listener_of(JsFunction fn);
/// mfs_client_fetch's body through `client` (an app's: the options' functions are that app's, and
/// never called after it unmounts). Staged: options. kind: 0 fetchQuery, 1 prefetchQuery,
/// 2 ensureQueryData, 3 ensureQueryData revalidating if stale; `settle` receives the outcome.
void fetch_through(mfstate::AppQueryClient& client, int kind, JsFunction settle);
/// mfs_client_cancel's, mfs_client_remove's and mfs_client_reset's bodies through `client`. An
/// app's client refuses a filter without a key prefix (AppQueryClient's require_prefix): one app
/// may not cancel, remove or reset every app's queries at once.
void cancel_through(mfstate::AppQueryClient& client);
void remove_through(mfstate::AppQueryClient& client);
void reset_through(mfstate::AppQueryClient& client, JsFunction settle);
/// A client handle for the shared client of host `host` (invalid once the host is gone).
std::uint32_t borrow_client(std::uint32_t host);

}  // namespace mfweb
