// Commands: accept / send / broadcast, each refused with a clear error and no change when the
// target does not accept the type or its payload schema refuses the payload.
#include "host_commands.hpp"

#include <boost/container/small_vector.hpp>


#include "host_core.hpp"
#include "host_manifest.hpp"
#include "transactions.hpp"

// GCC 12 warns about members a designated initializer leaves out even when they have default
// initializers, which is how events are meant to be built here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace mfstate::detail {

void Commands::accept(AppRecord& app, std::string_view type, std::optional<Schema> payload_schema,
                      CommandHandler handler) {
  if (type.empty()) throw Error(ErrorCode::invalid_argument, "accept needs a command type");
  payload_schema = manifest_command_schema(app.manifest.get(), type, std::move(payload_schema));
  Accepted acc{std::move(payload_schema),
               handler ? std::make_shared<const CommandHandler>(std::move(handler)) : nullptr};
  ++changes_;
  if (auto it = app.commands.accepted.find(type); it != app.commands.accepted.end()) {
    *it->second = std::move(acc);  // the same block: the acceptor list's pointer stays valid
    return;
  }
  auto block = std::make_unique<Accepted>(std::move(acc));
  const Accepted* ptr = block.get();
  app.commands.accepted.emplace(std::string(type), std::move(block));
  acceptors_[std::string(type)].push_back(Acceptor{&app, ptr});
}

void Commands::accept_all(AppRecord& app) {
  manifest_refuse_accept_all(app.manifest.get());
  if (app.commands.all) return;
  ++changes_;
  app.commands.all = true;
  accept_all_.push_back(&app);
}

void Commands::withdraw(AppRecord& app) {
  ++changes_;
  for (const auto& [type, acc] : app.commands.accepted) {
    auto it = acceptors_.find(type);
    if (it == acceptors_.end()) continue;
    std::erase_if(it->second, [&](const Acceptor& a) { return a.app == &app; });
    if (it->second.empty()) acceptors_.erase(it);
  }
  app.commands.accepted.clear();
  if (app.commands.all) std::erase(accept_all_, &app);
  app.commands.all = false;
}

namespace {
const Accepted accepts_all{};  // an accept_all app's acceptance of a type it did not accept itself
}  // namespace

const Accepted* Commands::accepted(const AppRecord& target, const HashedName& type) {
  auto it = target.commands.accepted.find(type);
  if (it != target.commands.accepted.end()) return it->second.get();
  return target.commands.all ? &accepts_all : nullptr;
}

template <class Visit>
bool Commands::for_each_receiver(const HashedName& type, Visit&& visit) const {
  // The type's acceptors in the order they accepted, then the apps accepting everything. An app
  // is in each list at most once; one in both accepted the type itself and was visited already.
  if (auto it = acceptors_.find(type); it != acceptors_.end()) {
    for (const Acceptor& a : it->second) {
      if (!visit(a.app, *a.acc)) return false;
    }
  }
  for (AppRecord* t : accept_all_) {
    if (t->commands.accepted.find(type) != t->commands.accepted.end()) continue;
    if (!visit(t, accepts_all)) return false;
  }
  return true;
}

void Commands::refuse(const AppRecord& from, std::string_view target, const Action& action, ErrorCode code,
                      const std::string& message) {
  core_->inspect([&] {
    return InspectorEvent{.kind = InspectorEventKind::command_refused,
                          .app = from.name,
                          .target = std::string(target),
                          .name = action.type,
                          .payload = action.payload,
                          .has_code = true,
                          .code = code,
                          .detail = message};
  });
  throw Error(code, message);
}

void Commands::check_payload(const AppRecord& from, const AppRecord& target, const Accepted& acc,
                             const Action& action, std::string_view verb) {
  if (!acc.schema || !core_->validate) return;
  try {
    require_valid(*acc.schema, action.payload,
                  "app \"" + from.name + "\" " + std::string(verb) + " \"" + action.type + "\" to \"" +
                      target.name + "\", whose payload schema refuses it");
  } catch (const Error& e) {
    refuse(from, target.name, action, e.code(), e.what());
  }
}

void Commands::apply(AppRecord& target, const Accepted& acc, const AppRecord& from, const Action& action,
                     Action* take_from) {
  if (acc.handler) {
    // A handler may change several things: make it all or nothing. Copies: the handler may
    // replace itself or unmount either app.
    std::shared_ptr<const CommandHandler> handler = acc.handler;
    const std::string from_name = from.name;
    core_->run_transaction([&] { (*handler)(action, from_name); }, target.name);
    return;
  }
  if (!target.store) {
    throw Error(ErrorCode::no_store, "app \"" + target.name + "\" accepts command \"" + action.type +
                                         "\" but has no store (create_store)");
  }
  StoreAccess::dispatch(*target.store, action, take_from);
}

void Commands::send(AppRecord& from, std::string_view to, Action action) {
  AppRecord* t = core_->find(to);
  if (t == nullptr) {
    refuse(from, to, action, ErrorCode::unknown_app,
           "app \"" + from.name + "\" sent \"" + action.type + "\" to \"" + std::string(to) +
               "\", but no app of that name is mounted");
  }
  Ref<AppRecord> target(t);  // a handler or reducer may unmount it
  const Accepted* acc = accepted(*target, HashedName(action.type));
  if (acc == nullptr) {
    refuse(from, to, action, ErrorCode::command_not_accepted,
           "app \"" + from.name + "\" sent \"" + action.type + "\" to \"" + target->name +
               "\", which does not accept it (it must call accept(\"" + action.type + "\"))");
  }
  check_payload(from, *target, *acc, action, "sent");
  core_->inspect_of(from.name, target->name, [&] {
    return InspectorEvent{.kind = InspectorEventKind::command_sent,
                          .app = from.name,
                          .target = target->name,
                          .name = action.type,
                          .payload = action.payload};
  });
  apply(*target, *acc, from, action, &action);
}

std::size_t Commands::broadcast(AppRecord& from, const Action& action, Action* own) {
  HostCore& core = *core_;
  Ref<AppRecord> sender(&from);  // the shell's inspector listeners run meanwhile
  // Counted references on the stack, no allocation per broadcast: a target is used only while
  // it is still mounted (a handler may unmount apps).
  struct Target {
    Target(AppRecord* app, const Accepted* a) noexcept : rec(app), acc(a) {}
    Ref<AppRecord> rec;
    const Accepted* acc;
  };
  boost::container::small_vector<Target, 8> targets;
  bool may_throw = false;
  const HashedName type(action.type);  // hashed once for every lookup below
  // The shell's inspector listeners (below) and the targets' handlers and reducers run code that
  // may accept or withdraw: once that happened, each acceptance is looked up again before use.
  const std::uint64_t changes_before = changes_;
  for_each_receiver(type, [&](AppRecord* t, const Accepted& acc) {
    if (acc.schema && core.validate) check_payload(from, *t, acc, action, "broadcast");
    // One target that may throw makes it a transaction: the others need not be asked.
    if (!may_throw && (acc.handler || !t->store || StoreAccess::may_throw(*t->store))) may_throw = true;
    targets.emplace_back(t, &acc);  // in place: no Ref moved, none released empty
    return true;
  });
  if (targets.empty()) return 0;
  // Tested once, not per target: no closure is made for each when nobody inspects (W1b).
  if (core.inspector.active()) {
    for (const auto& t : targets) {
      core.inspect_of(from.name, t.rec->name, [&] {
        return InspectorEvent{.kind = InspectorEventKind::command_sent,
                              .app = from.name,
                              .target = t.rec->name,
                              .name = action.type,
                              .payload = action.payload};
      });
    }
  }
  auto apply_all = [&] {
    const std::size_t n = targets.size();
    for (std::size_t i = 0; i < n; ++i) {
      AppRecord& t = *targets[i].rec;
      if (t.host == nullptr) continue;  // unmounted meanwhile
      const Accepted* acc = changes_ != changes_before ? accepted(t, type) : targets[i].acc;
      if (acc == nullptr) continue;  // withdrawn meanwhile
      apply(t, *acc, from, action, i + 1 == n ? own : nullptr);
    }
  };
  const std::size_t reached = targets.size();
  if (may_throw) {
    core.run_transaction(apply_all, from.name);
  } else {
    // Nothing can throw: one batch is enough to notify once, after all.
    Batcher::Scope batch(core.batcher());
    apply_all();
  }
  return reached;
}

bool Commands::plain_targets(const HashedName& type, std::vector<const AppRecord*>& out) const {
  out.clear();
  return for_each_receiver(type, [&](const AppRecord* t, const Accepted& acc) {
    if (acc.handler || !t->store || (acc.schema && core_->validate)) return false;
    out.push_back(t);
    return true;
  });
}

}  // namespace mfstate::detail
