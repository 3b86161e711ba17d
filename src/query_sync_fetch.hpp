// Internal: the fetcher sync_fetcher makes, and how a fetch recognises it to call it directly.
#pragma once

#include <functional>

#include "mfstate/query_options.hpp"

namespace mfstate::detail {

/// What sync_fetcher makes: a fetcher whose answer is what `fn` returns for the key. Called as any
/// fetcher, it resolves its completion before it returns. A query's fetch recognises it instead
/// (FetcherAccess::sync_fetch) and calls `fn` itself: it sees neither the completion nor the abort
/// signal, so none is made for it (W4 refetches 10^4 queries with one).
struct SyncFetch {
  std::function<Value(const Value& key)> fn;
  void operator()(const FetchContext& ctx, Completion done) const { done.resolve(fn(ctx.key)); }
};

struct FetcherAccess {
  /// The SyncFetch `f` holds, or null (another fetcher, skip_token, none): a pointer comparison.
  /// std::function::target needs RTTI: a build without it (the WebAssembly module, whose exports
  /// never make a sync_fetcher) calls a SyncFetch as any fetcher, which answers the same.
  static const SyncFetch* sync_fetch([[maybe_unused]] const Fetcher& f) noexcept {
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
    return f.fn_.target<SyncFetch>();
#else
    return nullptr;
#endif
  }
};

}  // namespace mfstate::detail
