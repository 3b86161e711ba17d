// Infinite queries (query-core's infiniteQueryBehavior): a query whose data is
// {"pages": [...], "pageParams": [...]}. One attempt of its fetch either fetches one page in a
// direction (fetch_next_page / fetch_previous_page) or fetches every page again from the first, in
// order, each page's param computed from the pages before it (a refetch). Pages arrive through
// completions like any fetch, from any thread; the pager continues on the runtime's thread.
#include <algorithm>
#include <vector>

#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate::detail {

namespace {

struct Pages {
  std::vector<Value> pages;
  std::vector<Value> params;
};

Pages pages_of(const std::optional<Value>& data) {
  Pages p;
  if (!data || !data->is_object()) return p;
  const Value* pages = data->find("pages");
  const Value* params = data->find("pageParams");
  if (pages == nullptr || params == nullptr || !pages->is_array() || !params->is_array()) return p;
  p.pages.assign(pages->as_array().begin(), pages->as_array().end());
  p.params.assign(params->as_array().begin(), params->as_array().end());
  return p;
}

Value to_value(const Pages& p) {
  return Value::object({{"pages", Value::array(p.pages)}, {"pageParams", Value::array(p.params)}});
}

/// The param of the page after the last (forward) or before the first (backward); nullopt when
/// there is none (no function, no pages, or it answered nullopt / null).
std::optional<Value> page_param(const QueryOptions& o, const Pages& p, FetchDirection direction) {
  if (p.pages.empty()) return std::nullopt;
  const Value pages = Value::array(p.pages);
  const Value params = Value::array(p.params);
  std::optional<Value> r;
  if (direction == FetchDirection::forward) {
    if (!o.get_next_page_param) return std::nullopt;
    const Value& last_param = p.params.size() == p.pages.size() ? p.params.back() : Value();
    r = o.get_next_page_param(p.pages.back(), pages, last_param, params);
  } else {
    if (!o.get_previous_page_param) return std::nullopt;
    const Value& first_param = p.params.empty() ? Value() : p.params.front();
    r = o.get_previous_page_param(p.pages.front(), pages, first_param, params);
  }
  if (r && r->is_null()) r.reset();
  return r;
}

void add_page(Pages& p, Value page, Value param, bool at_start, int max_pages) {
  if (at_start) {
    p.pages.insert(p.pages.begin(), std::move(page));
    p.params.insert(p.params.begin(), std::move(param));
    if (max_pages > 0 && p.pages.size() > static_cast<std::size_t>(max_pages)) {
      p.pages.pop_back();
      p.params.pop_back();
    }
  } else {
    p.pages.push_back(std::move(page));
    p.params.push_back(std::move(param));
    if (max_pages > 0 && p.pages.size() > static_cast<std::size_t>(max_pages)) {
      p.pages.erase(p.pages.begin());
      p.params.erase(p.params.begin());
    }
  }
}

/// One attempt of an infinite query's fetch: pages one after the other.
class Pager final : public CompletionSink, public std::enable_shared_from_this<Pager> {
 public:
  Pager(ClientCore& core, OptionsPtr options, Value key, AbortSignal signal, Completion done)
      : core_(&core), options_(std::move(options)), key_(std::move(key)), signal_(std::move(signal)),
        done_(std::move(done)) {}

  /// One page in `direction` after the old pages.
  void start_one(Pages old, FetchDirection direction) {
    result_ = std::move(old);
    one_ = true;
    previous_ = direction == FetchDirection::backward;
    std::optional<Value> param = page_param(options_->o, result_, direction);
    if (!param) {
      done_.resolve(to_value(result_));  // no such page: the data stays as it is
      return;
    }
    fetch(std::move(*param));
  }

  /// Every page again (at least one), from the first old param (or initial_page_param) on.
  void start_all(Pages old, std::size_t count) {
    old_ = std::move(old);
    remaining_ = std::max<std::size_t>(count, 1);
    next();
  }

  /// Its next pages are fetched with `options` (its fetch's were replaced).
  void repoint(OptionsPtr options) noexcept { options_ = std::move(options); }

  void deliver(std::uint32_t page, Outcome&& o) override {
    if (page != page_no_ || core_ == nullptr) return;
    ClientCore::Op op(*core_);
    on_page(std::move(o));
  }

 private:
  void next() {
    std::optional<Value> param;
    if (result_.pages.empty()) {
      param = !old_.params.empty() ? old_.params.front() : options_->o.initial_page_param.value_or(Value());
    } else {
      param = page_param(options_->o, result_, FetchDirection::forward);
      if (!param) {
        done_.resolve(to_value(result_));
        return;
      }
    }
    fetch(std::move(*param));
  }

  void fetch(Value param) {
    if (signal_.aborted()) {
      done_.reject(cancelled_error("the fetch was cancelled"));
      return;
    }
    // Held while the fetcher runs: its app may end inside it, and the pager's options be replaced.
    const OptionsPtr held = options_;
    const Fetcher& fetcher = held->o.fetcher;
    param_ = param;
    const std::uint32_t no = ++page_no_;
    auto self = shared_from_this();
    std::optional<Outcome> early = call_with_completion(self, no, core_->inbox, [&](Completion page) {
      if (!fetcher || fetcher.is_skip()) {
        page.reject(missing_fetcher_error(key_), missing_fetcher_detail());
        return;
      }
      fetcher(FetchContext{key_, signal_, held->o.meta, std::move(param),
                           previous_ ? FetchDirection::backward : FetchDirection::forward},
              std::move(page));
    });
    if (early) on_page(std::move(*early));
  }

  void on_page(Outcome&& o) {
    if (!o.ok) {
      done_.reject(o.error ? *o.error : Error(ErrorCode::query_error, "a page failed"), std::move(o.detail));
      return;
    }
    const int max_pages = options_->o.max_pages.value_or(0);
    add_page(result_, std::move(o.value), std::move(param_), previous_, max_pages);
    if (one_ || --remaining_ == 0) {
      done_.resolve(to_value(result_));
      return;
    }
    next();
  }

  ClientCore* core_;
  OptionsPtr options_;
  Value key_;
  AbortSignal signal_;
  Completion done_;
  Pages old_;
  Pages result_;
  Value param_;
  std::size_t remaining_ = 1;
  std::uint32_t page_no_ = 0;
  bool one_ = false;
  bool previous_ = false;
};

}  // namespace

void fetch_pages(ClientCore& core, QueryFetch& f, std::optional<Value> old_data, const AbortSignal& signal,
                 Completion done) {
  auto pager = std::make_shared<Pager>(core, f.options, f.key, signal, std::move(done));
  // The fetch owns its current pager: a late page of a replaced attempt finds nobody.
  f.pager = pager;
  Pages old = pages_of(old_data);
  if (f.direction && !old.pages.empty()) {
    pager->start_one(std::move(old), *f.direction);
  } else {
    const std::size_t count = f.options->o.pages ? static_cast<std::size_t>(std::max(*f.options->o.pages, 0))
                                                 : old.pages.size();
    pager->start_all(std::move(old), count);
  }
}

void repoint_pager(QueryFetch& f) noexcept {
  // fetch_pages is the one maker of a fetch's pager.
  if (f.pager) static_cast<Pager&>(*f.pager).repoint(f.options);
}

bool has_page(const QueryOptions& o, const Value& data, FetchDirection direction) {
  return page_param(o, pages_of(data), direction).has_value();
}

}  // namespace mfstate::detail
