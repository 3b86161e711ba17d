// HTTP/1.1 message heads as the registry's server and client read them: strictly, because two
// programs that frame one message differently (a proxy and this server) are how requests are
// smuggled. CRLF line ends only, no folded lines, one Content-Length at most, and no
// Transfer-Encoding beside it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mfstate::detail {

struct HttpHead {
  // A request's start line.
  std::string method, target;
  // A response's start line.
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< in order, values trimmed
  std::optional<std::size_t> content_length;
  bool chunked = false;  ///< Transfer-Encoding: chunked (the only coding accepted, responses only)

  /// The value of the first header called `name` (case-insensitive), or nullptr.
  const std::string* find(std::string_view name) const;
  /// How many headers are called `name`.
  std::size_t count(std::string_view name) const;
};

/// The offset just past the blank line ending the head in `buffer`, or npos when it has not
/// arrived yet.
std::size_t head_end(std::string_view buffer);

/// Parses a request head (start line and headers, with or without the final blank line). Throws
/// Error(invalid_argument) saying what is malformed; any Transfer-Encoding is refused.
HttpHead parse_request_head(std::string_view head);
/// Parses a response head. Throws Error(invalid_argument) saying what is malformed.
HttpHead parse_response_head(std::string_view head);

/// ASCII case-insensitive equality.
bool equals_ignoring_case(std::string_view a, std::string_view b);

/// Decodes a chunked body as it arrives, never holding more than `max_bytes` of it.
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  /// Consumes what it can of `input` (erasing it), appending data to `body`. True once the last
  /// chunk and the trailers are read. Throws Error(invalid_argument) when malformed,
  /// Error(size_limit) when the body would exceed max_bytes.
  bool feed(std::string& input, std::string& body);

 private:
  enum class State { size, data, data_end, trailers, done };
  State state_ = State::size;
  std::size_t remaining_ = 0;
  std::size_t max_bytes_;
};

}  // namespace mfstate::detail
