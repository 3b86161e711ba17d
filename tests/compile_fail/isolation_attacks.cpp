// Attacks that must not compile: what an app (holding only its App handle) or a caller of the
// public headers cannot even write. tests/compile_fail/check.cmake compiles this file twice:
// without MFSTATE_ATTACKS it must compile (so every line below is otherwise valid); with it, the
// compiler must report an error on every line marked "attack:" — each one is checked by its line
// number, so a line that starts compiling (a power that leaked back) fails the test by name.
#include <mfstate/mfstate.hpp>

using namespace mfstate;

void app_holds_only_its_handle(App& app, Host& host, Store& store, Batcher& batcher, Bus& bus,
                               const Schema& schema) {
  (void)app;
  (void)host;
  (void)store;
  (void)batcher;
  (void)bus;
  (void)schema;
#ifdef MFSTATE_ATTACKS
  (void)app.host();                                             // attack: app-reaches-host
  (void)app.runtime();                                          // attack: app-reaches-runtime
  QueryClient& shell_client = app.queries();                    // attack: app-reaches-shell-query-client
  app.queries().clear();                                        // attack: app-clears-query-cache
  app.queries().set_online(false);                              // attack: app-queries-flip-connectivity
  app.queries().set_focused(false);                             // attack: app-queries-flip-focus
  app.queries().set_query_defaults(Value::array(), {});         // attack: app-sets-query-defaults
  app.queries().set_mutation_defaults(Value::array(), {});      // attack: app-sets-mutation-defaults
  (void)app.queries().dehydrate();                              // attack: app-dehydrates-every-app
  app.queries().hydrate(DehydratedState{});                     // attack: app-hydrates-the-cache
  (void)app.queries().resume_paused_mutations();                // attack: app-resumes-every-mutation
  (void)app.queries().make_app_client();                        // attack: app-mints-another-app-client
  (void)app.queries().runtime();                                // attack: app-queries-reach-runtime
  (void)app.store();                                            // attack: app-reaches-a-store-reference
  app.set_online(false);                                        // attack: app-flips-connectivity
  app.set_focused(false);                                       // attack: app-flips-focus
  app.set_error_handler([](const Error&) {});                   // attack: app-replaces-error-handler
  (void)app.mount("second");                                    // attack: app-mounts-another-app
  (void)app.reserve("profile");                                 // attack: app-reserves-a-name
  app.unmount("alice");                                         // attack: app-unmounts-another-app
  app.dispatch("alice", Action{});                              // attack: app-dispatches-into-another-store
  App copy = app;                                               // attack: app-duplicates-its-handle
  (void)host.bus();                                             // attack: shell-hands-out-the-bus
  (void)host.inspector();                                       // attack: shell-hands-out-the-inspector
  (void)host.runtime();                                         // attack: shell-hands-out-the-runtime
  bus.set_publish_hook([](std::string_view, const Value&) {});  // attack: publish-hook
  batcher.discard_pending();                                    // attack: batcher-discard
  batcher.discard_since(0);                                     // attack: batcher-discard-since
  (void)batcher.mark();                                         // attack: batcher-mark
  (void)store.core();                                           // attack: store-core
  Inspector stream;                                             // attack: inspector-stream-type
  InspectorEvent forged;
  emit(forged);              // attack: inspector-emit
  (void)schema.root();       // attack: schema-root
  (void)detail::core_state;  // attack: store-core-state
  host.mount("x");           // attack: mount-result-discarded
  host.reserve("y");         // attack: reservation-discarded
#endif
}
