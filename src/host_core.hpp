// Internal: what a Host is made of. HostCore only owns the parts; each concept lives in its own
// file with its own type — apps and names (host.cpp), exports (host_exports.*), commands
// (host_commands.*), the error sink (host_errors.*), manifests (host_manifest.*) — and the
// transactions and batching are the runtime's (transactions.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host_commands.hpp"
#include "host_errors.hpp"
#include "host_exports.hpp"
#include "inspector_stream.hpp"
#include "mfstate/bus.hpp"
#include "mfstate/host.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/store.hpp"
#include "name_map.hpp"
#include "ref.hpp"
#include "store_internal.hpp"
#include "transactions.hpp"

namespace mfstate::detail {

/// One mounted app: what its App handle acts through. Counted (Ref): the handle holds one
/// reference and the host another while it is mounted, so a call in progress can keep it alive
/// when the handle is destroyed from inside one of its own callbacks.
struct AppRecord final : RefCounted, StoreObserver {
  HostCore* host = nullptr;  // null once unmounted
  std::string name;
  std::string version;
  std::shared_ptr<const Manifest> manifest;  // null unless mounted from a manifest
  bool is_platform = false;                  // the shell's own app
  std::unique_ptr<Store> store;
  CommandTable commands;                     // what it accepts (host_commands)
  Producer* producer = nullptr;              // its exports (host_exports), while mounted
  std::vector<std::string> declared_topics;  // withdrawn at unmount
  std::vector<SubscriptionLink> links;       // watches, bus and store subscriptions, timers
  std::size_t links_at_last_prune = 0;
  std::vector<Subscription> adopted;
  std::size_t adopted_at_last_prune = 0;
  std::unique_ptr<AppQueryClient> queries;  // its handle on the shared cache, made on first use

  /// Keeps a link to `s` so unmounting ends it. Amortised O(1); ended ones are dropped now and
  /// then, so a long-lived app does not accumulate them.
  void keep(const Subscription& s);
  /// Takes `s` over until unmount.
  void adopt(Subscription s);

  // StoreObserver: its store reports here.
  void on_action(const Action& action, bool changed) override;
  void on_notified() override;
};

/// Everything a Host owns. Members are destroyed in reverse order: the query cache first, the
/// runtime (whose batcher the others notify through) last.
struct HostCore : std::enable_shared_from_this<HostCore> {
  HostCore(std::unique_ptr<Runtime> runtime, HostOptions options);
  HostCore(const HostCore&) = delete;
  HostCore& operator=(const HostCore&) = delete;

  const bool validate;  // fixed at construction: no app can switch validation off
  std::unique_ptr<Runtime> runtime;
  InspectorStream inspector;
  HostErrors errors;
  Bus bus;
  Exports exports;
  Commands commands;
  std::unique_ptr<QueryClient> queries;

  // ---- apps and names ----
  NameMap<Ref<AppRecord>> mounted;      // by name
  std::vector<AppRecord*> mount_order;  // "platform" first
  NameMap<bool> reserved;               // names only a Reservation mounts
  App platform;                         // the shell's own app

  // ---- lifetime (see HostGuard) ----
  int busy = 0;                           // guarded calls in progress
  std::shared_ptr<HostCore> parked_self;  // set when the Host was destroyed during one
  bool closing = false;

  Batcher& batcher() noexcept { return runtime->batcher(); }
  AppRecord* find(std::string_view name) const noexcept {
    auto it = mounted.find(name);
    return it == mounted.end() ? nullptr : it->second.get();
  }
  bool is_reserved(std::string_view name) const noexcept { return reserved.find(name) != reserved.end(); }

  /// Mounts `name` (checks done by the caller). Allocates.
  Ref<AppRecord> mount(std::string_view name, std::string version, std::shared_ptr<const Manifest> manifest);
  /// Releases everything `rec` holds (App::unmount). Harmless when already unmounted.
  void unmount(AppRecord& rec);
  /// Unmounts every app (the platform last) and delivers what that queued (Host::~Host).
  void close();

  /// Emits an inspector event if anyone listens (`make` builds it only then).
  template <typename Make>
  void inspect(Make&& make) {
    if (inspector.active()) inspector.emit(make());
  }
  /// The same for an event of actor `app` and target `target` (either may be ""), built only when
  /// someone hears it: the shell, or one of those two apps (another app's inspectors do not).
  template <typename Make>
  void inspect_of(std::string_view app, std::string_view target, Make&& make) {
    // The test most pages answer (no inspector at all) inline; the rest out of line, so that the
    // callers on every dispatch and broadcast target (W1b) do not carry its frame.
    if (inspector.active()) [[unlikely]] inspect_heard(app, target, make);
  }
  template <typename Make>
  [[gnu::noinline]] void inspect_heard(std::string_view app, std::string_view target, Make& make) {
    if (inspector.hears(app) || (!target.empty() && inspector.hears(target))) inspector.emit(make());
  }

  /// Runs `fn` as a transaction of the runtime (see transactions.hpp); a rollback is an inspector
  /// event naming `app` (who opened it; "" for the shell), with the exception's message.
  template <typename Fn>
  void run_transaction(Fn&& fn, const std::string& app) {
    detail::run_transaction(batcher(), std::forward<Fn>(fn), [&] {
      inspect([&] {
        InspectorEvent ev;
        ev.kind = InspectorEventKind::transaction_rolled_back;
        ev.app = app;
        try {
          throw;
        } catch (const std::exception& x) {
          ev.detail = x.what();
        } catch (...) {
        }
        return ev;
      });
    });
  }
};

/// Keeps a HostCore alive for the length of a call that may run user code: if the Host is
/// destroyed meanwhile (from inside a subscriber, a watcher, a timer...), the core is freed when
/// the outermost guarded call returns and the runtime is idle, not under its feet.
class HostGuard {
 public:
  explicit HostGuard(HostCore& core) noexcept : core_(&core) { ++core_->busy; }
  HostGuard(const HostGuard&) = delete;
  HostGuard& operator=(const HostGuard&) = delete;
  ~HostGuard();

 private:
  HostCore* core_;
};

}  // namespace mfstate::detail
