// Shared helpers for the query tests: a runtime on a manual clock and fetchers the test drives.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mfstate/key.hpp"
#include "mfstate/mutation.hpp"
#include "mfstate/query.hpp"

namespace mfstate::testing {

inline Value key(std::initializer_list<Value> elements) { return Value::array(elements); }

/// A fetcher whose calls wait until the test resolves or rejects them, in order.
struct ManualFetcher {
  struct Call {
    Value key;
    AbortSignal signal;
    Completion done;
  };
  std::shared_ptr<std::deque<Call>> calls = std::make_shared<std::deque<Call>>();
  std::shared_ptr<int> count = std::make_shared<int>(0);

  Fetcher fetcher() const {
    auto c = calls;
    auto n = count;
    return [c, n](const FetchContext& ctx, Completion done) {
      ++*n;
      c->push_back(Call{ctx.key, ctx.signal, std::move(done)});
    };
  }
  std::size_t pending() const { return calls->size(); }
  void resolve(Value v) {
    auto call = std::move(calls->front());
    calls->pop_front();
    call.done.resolve(std::move(v));
  }
  void reject(ErrorCode code = ErrorCode::query_error, const std::string& msg = "boom") {
    auto call = std::move(calls->front());
    calls->pop_front();
    call.done.reject(Error(code, msg));
  }
  Call& front() { return calls->front(); }
};

/// A fetcher answering at once with a counter-tagged value: {"n": call number, "key": key}.
struct CountingFetcher {
  std::shared_ptr<int> count = std::make_shared<int>(0);
  Fetcher fetcher() const {
    auto n = count;
    return [n](const FetchContext& ctx, Completion done) {
      ++*n;
      done.resolve(Value::object({{"n", *n}, {"key", ctx.key}}));
    };
  }
};

/// A fetcher answering after `delay` on the runtime's clock (TanStack's tests: `sleep(n).then(...)`),
/// with what `fn` returns (or rejecting with what it throws). Counts its calls.
struct DelayedFetcher {
  Runtime* rt;
  Millis delay;
  std::function<Value(const FetchContext&)> fn;
  std::shared_ptr<int> count = std::make_shared<int>(0);
  Fetcher fetcher() const {
    auto n = count;
    Runtime* r = rt;
    Millis d = delay;
    auto f = fn;
    return [n, r, d, f](const FetchContext& ctx, Completion done) {
      ++*n;
      FetchContext c = ctx;
      (void)r->scheduler().schedule_after(d, [c, done, f] {
        try {
          done.resolve(f(c));
        } catch (const Error& e) {
          done.reject(e);
        }
      });
    };
  }
};

/// A mutation function answering after `delay` with what `fn` returns (or rejecting).
inline MutationFn delayed_mutation(Runtime& rt, Millis delay, std::function<Value(const Value&)> fn) {
  Runtime* r = &rt;
  return [r, delay, fn](const Value& vars, const AbortSignal&, Completion done) {
    (void)r->scheduler().schedule_after(delay, [vars, done, fn] {
      try {
        done.resolve(fn(vars));
      } catch (const Error& e) {
        done.reject(e);
      }
    });
  };
}

/// A mutation function that logs `started` when it runs and `finished` when it answers, `delay`
/// later (TanStack's tests: `results.push('start-A'); await sleep(10); results.push('finish-A')`).
inline MutationFn logged_mutation(Runtime& rt, std::vector<std::string>& log, std::string started,
                                  std::string finished, Millis delay) {
  Runtime* r = &rt;
  std::vector<std::string>* out = &log;
  return [r, out, started, finished, delay](const Value&, const AbortSignal&, Completion done) {
    out->push_back(started);
    (void)r->scheduler().schedule_after(delay, [out, finished, done] {
      out->push_back(finished);
      done.resolve(finished);
    });
  };
}

class QueryTest : public ::testing::Test {
 protected:
  ManualClock clock{Millis{1'000'000}};
  Runtime rt{clock};
  void advance(std::int64_t ms) { rt.advance(Millis{ms}); }
};

}  // namespace mfstate::testing
