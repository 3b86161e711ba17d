// Internal: exports — the named views of an app's state that others read and watch.
//
// Records exist only while something needs them: a Producer (one app name) while the app is
// mounted or has export records; an ExportSlot while it is exposed, watched, or has a sync in
// flight. What is gone is freed, so watching and unwatching ever new names costs no memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/contract.hpp"
#include "mfstate/host.hpp"
#include "name_map.hpp"
#include "ref.hpp"

namespace mfstate::detail {

struct AppRecord;
struct HostCore;
struct ExportSlot;

struct WatchRec {
  std::string consumer;  // the watching app
  ExportSlot* slot = nullptr;
  WatchCallback callback;
  Expectations expectations;
  bool active = true;
  bool blocked = false;  // the producer's schema breaks the expectations
  bool has_last = false;
  Value last;  // what this watcher was last told
};

struct Producer;

// One export of one app name (exposed, watched, or both), across mounts.
struct ExportSlot : RefCounted {
  Producer* owner = nullptr;
  std::string name;
  bool exposed = false;
  // Shared so that a selector running when its app re-exposes or unmounts is not destroyed under
  // its own feet.
  std::shared_ptr<const ExportSelector> selector;
  std::optional<Schema> schema;
  // Memo: the selector's value for the state node it last saw.
  bool cached = false;
  Value cache_input;
  Value cache_value;
  std::string cache_error;  // non-empty: the value broke the schema (or the selector threw)
  ErrorCode cache_code = ErrorCode::schema_violation;
  // What the selector threw, for the error sink only (it hands the shell that very value, a
  // reader of another app never gets it): held until the memo is recomputed.
  std::exception_ptr cache_thrown;
  bool error_reported = false;
  // The value last announced to watchers.
  bool has_published = false;
  Value published;
  std::vector<std::shared_ptr<WatchRec>> watchers;
  std::size_t dead = 0;
  int delivering = 0;

  std::size_t live_watchers() const noexcept { return watchers.size() - dead; }
  void compact();
  void withdraw();  // no longer exposed: drop selector, schema and memo
};

// The exports of one app name.
struct Producer {
  std::string name;
  AppRecord* app = nullptr;  // the mounted app of that name, if any
  NameMap<Ref<ExportSlot>> exports;
};

class Exports {
 public:
  explicit Exports(HostCore& core) : core_(&core) {}

  /// `app` mounted / its store was created / it is unmounting.
  void on_mount(AppRecord& app);
  void on_store_created(AppRecord& app);
  void on_unmount(AppRecord& app);
  /// After `app`'s store told its subscribers of a change: tell the watchers of its exports.
  void on_notified(AppRecord& app);

  void expose(AppRecord& app, std::string_view name, ExportSelector selector, std::optional<Schema> schema);
  void unexpose(AppRecord& app, std::string_view name);
  Value read(const AppRecord& reader, std::string_view app, std::string_view name);
  /// Registers the watch; its first delivery is queued (the caller holds a batch open so that
  /// it runs when the caller is done with the handle).
  Subscription watch(AppRecord& consumer, std::string_view app, std::string_view name, WatchCallback callback,
                     Expectations expectations);
  /// Ends a watch (its Subscription's cancel). Harmless twice.
  void end_watch(WatchRec& w);

  /// Producers and export records kept now (the soak test's measure). O(1).
  std::size_t producers() const noexcept { return producers_.size(); }

 private:
  Producer& producer(std::string_view name);
  ExportSlot& slot(Producer& p, std::string_view name);
  static ExportSlot* find(const Producer& p, std::string_view name);
  void collect(ExportSlot& e, std::uint32_t held);
  void collect(Producer& p);

  bool refresh(ExportSlot& e);
  Error unusable(ExportSlot& e, const AppRecord& reader);
  static const Value& input_of(const ExportSlot& e);
  static bool memo_current(const ExportSlot& e);
  void check_contract(WatchRec& w, ExportSlot& e);
  void call_watcher(WatchRec& w, const ExportEvent& ev);
  void feed(WatchRec& w, ExportSlot& e, const Value& v);
  void sync(ExportSlot& e);
  void queue_sync(ExportSlot& e);

  HostCore* core_;
  NameMap<std::unique_ptr<Producer>> producers_;
};

}  // namespace mfstate::detail
