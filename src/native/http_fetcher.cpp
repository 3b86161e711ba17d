// HttpFetcher: key_from_url keys fetched with cpp-httplib on a small pool of worker threads.
#include "mfstate/http_fetcher.hpp"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace mfstate {

namespace {

// A request reduced to plain strings on the runtime's thread: workers never touch a Value of
// the cache.
struct Job {
  std::string method;
  std::string origin;  // "http://host:port"
  std::string target;  // "/path?query"
  std::string description;
  AbortSignal signal;
  Completion done;
};

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string scalar_text(const Value& v) {
  switch (v.type()) {
    case Type::string: return std::string(v.as_string());
    case Type::boolean: return v.as_bool() ? "true" : "false";
    case Type::integer:
    case Type::number: return v.to_json();
    default: throw Error(ErrorCode::invalid_key, "HttpFetcher: a parameter value must be a string, number or boolean");
  }
}

}  // namespace

struct HttpFetcher::Impl {
  HttpFetcherOptions options;
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Job> queue;
  bool stopping = false;
  std::atomic<std::size_t> sent{0};
  std::vector<std::thread> workers;

  Job to_job(const FetchContext& ctx, Completion done) const {
    const Value& key = ctx.key;
    if (!key.is_array() || key.size() < 2 || !key.at(0).is_string() || !key.at(1).is_string()) {
      throw Error(ErrorCode::invalid_key,
                  "HttpFetcher: expected a key_from_url key [method, url, params], got " + key.to_json());
    }
    Job job;
    job.method = std::string(key.at(0).as_string());
    std::string url(key.at(1).as_string());
    if (!url.empty() && url.front() == '/') {
      if (options.base_url.empty()) {
        throw Error(ErrorCode::invalid_url,
                    "HttpFetcher: the key's URL '" + url + "' is origin-relative and no base_url was set");
      }
      url = options.base_url + url;
    }
    if (url.rfind("https://", 0) == 0) {
      throw Error(ErrorCode::invalid_url, "HttpFetcher: '" + url + "' needs TLS, which this build does not have");
    }
    if (url.rfind("http://", 0) != 0) {
      throw Error(ErrorCode::invalid_url, "HttpFetcher: '" + url + "' is not an http:// URL");
    }
    const std::size_t slash = url.find('/', 7);
    job.origin = slash == std::string::npos ? url : url.substr(0, slash);
    job.target = slash == std::string::npos ? "/" : url.substr(slash);
    if (key.size() >= 3 && key.at(2).is_object()) {
      std::string query;
      for (const Member& m : key.at(2).as_object()) {
        auto add = [&](const Value& v) {
          query += query.empty() ? "" : "&";
          query += encode(m.key) + "=" + encode(scalar_text(v));
        };
        if (m.value.is_array()) {
          for (const Value& v : m.value.as_array()) add(v);
        } else if (!m.value.is_null()) {
          add(m.value);
        }
      }
      if (!query.empty()) job.target += "?" + query;
    }
    job.description = job.method + " " + job.origin + job.target;
    job.signal = ctx.signal;
    // Read here, on the runtime's thread: the request can be cancelled (the cache cancels it when
    // its last observer leaves instead of letting it finish).
    (void)job.signal.aborted();
    job.done = std::move(done);
    return job;
  }

  void run(Job& job) {
    if (job.signal.aborted()) {
      job.done.reject(Error(ErrorCode::cancelled, "the request was cancelled: " + job.description));
      return;
    }
    httplib::Client cli(job.origin);
    cli.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout).count(),
                               static_cast<long>((options.connect_timeout.count() % 1000) * 1000));
    cli.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(options.read_timeout).count(),
                         static_cast<long>((options.read_timeout.count() % 1000) * 1000));
    httplib::Request req;
    req.method = job.method;
    req.path = job.target;
    for (const auto& [name, value] : options.headers) req.headers.emplace(name, value);
    req.headers.emplace("Accept", "application/json");
    AbortSignal signal = job.signal;
    req.progress = [signal](std::uint64_t, std::uint64_t) { return !signal.aborted(); };
    sent.fetch_add(1);
    httplib::Result res = cli.send(req);
    if (job.signal.aborted()) {
      job.done.reject(Error(ErrorCode::cancelled, "the request was cancelled: " + job.description));
      return;
    }
    if (!res) {
      job.done.reject(Error(ErrorCode::io_error, "HttpFetcher: " + job.description + " failed: " +
                                                     httplib::to_string(res.error())));
      return;
    }
    if (res->status >= 400) {
      Value detail = Value::object({{"status", res->status}, {"body", res->body}});
      job.done.reject(Error(ErrorCode::http_error,
                            "HTTP " + std::to_string(res->status) + " for " + job.description),
                      std::move(detail));
      return;
    }
    try {
      job.done.resolve(res->body.empty() ? Value() : parse_json(res->body));
    } catch (const Error& e) {
      job.done.reject(Error(e.code(), "HttpFetcher: the body of " + job.description + " is not JSON: " + e.what()));
    }
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      run(job);
    }
  }
};

HttpFetcher::HttpFetcher(HttpFetcherOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  const std::size_t n = impl_->options.threads == 0 ? 1 : impl_->options.threads;
  for (std::size_t i = 0; i < n; ++i) impl_->workers.emplace_back([this] { impl_->work(); });
}

HttpFetcher::~HttpFetcher() {
  std::deque<Job> left;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    left.swap(impl_->queue);
  }
  impl_->ready.notify_all();
  for (auto& t : impl_->workers) t.join();
  for (auto& job : left) job.done.reject(Error(ErrorCode::cancelled, "HttpFetcher stopped: " + job.description));
}

Fetcher HttpFetcher::fetcher() {
  Impl* impl = impl_.get();
  return [impl](const FetchContext& ctx, Completion done) {
    Job job = impl->to_job(ctx, std::move(done));
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      impl->queue.push_back(std::move(job));
    }
    impl->ready.notify_one();
  };
}

std::size_t HttpFetcher::requests_sent() const noexcept { return impl_->sent.load(); }

}  // namespace mfstate
