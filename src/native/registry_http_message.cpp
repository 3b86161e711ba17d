// Strict HTTP/1.1 head parsing and chunked decoding (registry_http_message.hpp).
#include "registry_http_message.hpp"

#include <algorithm>

#include "mfstate/error.hpp"

namespace mfstate::detail {

namespace {

[[noreturn]] void malformed(const std::string& what) { throw Error(ErrorCode::invalid_argument, what); }

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at CRLF; a CR or LF anywhere else is refused (proxies disagree on bare ones).
std::vector<std::string_view> lines_of(std::string_view head) {
  while (head.size() >= 2 && head.substr(head.size() - 2) == "\r\n") head.remove_suffix(2);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (;;) {
    const std::size_t crlf = head.find("\r\n", start);
    std::string_view line =
        head.substr(start, crlf == std::string_view::npos ? std::string_view::npos : crlf - start);
    if (line.find_first_of("\r\n") != std::string_view::npos) malformed("a bare CR or LF in the head");
    lines.push_back(line);
    if (crlf == std::string_view::npos) break;
    start = crlf + 2;
  }
  return lines;
}

std::size_t parse_content_length(std::string_view value) {
  if (value.empty() || value.size() > 15 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    malformed("Content-Length is not a number of bytes");
  }
  std::size_t n = 0;
  for (char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
  return n;
}

void parse_headers(const std::vector<std::string_view>& lines, HttpHead& head) {
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) malformed("an empty line inside the head");
    if (line.front() == ' ' || line.front() == '\t')
      malformed("a folded header line (obsolete line folding)");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) malformed("a header line without a colon");
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) malformed("a header name that is not a token (whitespace before the colon?)");
    std::string_view value = trim(line.substr(colon + 1));
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) malformed("a control character in a header value");
    }
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  if (head.count("Content-Length") > 1) malformed("more than one Content-Length header");
  if (const std::string* length = head.find("Content-Length"))
    head.content_length = parse_content_length(*length);
}

bool is_http_version(std::string_view v) { return v == "HTTP/1.1" || v == "HTTP/1.0"; }

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const std::string* HttpHead::find(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (equals_ignoring_case(n, name)) return &v;
  }
  return nullptr;
}

std::size_t HttpHead::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const auto& h) { return equals_ignoring_case(h.first, name); }));
}

std::size_t head_end(std::string_view buffer) {
  const std::size_t at = buffer.find("\r\n\r\n");
  return at == std::string_view::npos ? std::string_view::npos : at + 4;
}

HttpHead parse_request_head(std::string_view text) {
  const auto lines = lines_of(text);
  HttpHead head;
  const std::string_view start = lines.front();
  const std::size_t first = start.find(' ');
  const std::size_t second = first == std::string_view::npos ? first : start.find(' ', first + 1);
  if (second == std::string_view::npos || start.find(' ', second + 1) != std::string_view::npos) {
    malformed("the request line is not METHOD TARGET HTTP/1.1");
  }
  const std::string_view method = start.substr(0, first),
                         target = start.substr(first + 1, second - first - 1),
                         version = start.substr(second + 1);
  if (!is_token(method)) malformed("the method is not a token");
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7F; })) {
    malformed("the target is not an origin-form path");
  }
  if (!is_http_version(version)) malformed("not HTTP/1.1 or HTTP/1.0");
  head.method = std::string(method);
  head.target = std::string(target);
  parse_headers(lines, head);
  if (head.find("Transfer-Encoding")) malformed("Transfer-Encoding is not accepted: send a Content-Length");
  return head;
}

HttpHead parse_response_head(std::string_view text) {
  const auto lines = lines_of(text);
  HttpHead head;
  const std::string_view start = lines.front();
  if (start.size() < 12 || !is_http_version(start.substr(0, 8)) || start[8] != ' ' ||
      (start.size() > 12 && start[12] != ' ')) {
    malformed("the status line is not HTTP/1.1 NNN REASON");
  }
  const std::string_view code = start.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    malformed("the status is not three digits");
  }
  head.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  parse_headers(lines, head);
  if (const std::string* coding = head.find("Transfer-Encoding")) {
    if (head.count("Transfer-Encoding") > 1 || !equals_ignoring_case(*coding, "chunked")) {
      malformed("a Transfer-Encoding other than chunked");
    }
    if (head.content_length) malformed("both Transfer-Encoding and Content-Length");
    head.chunked = true;
  }
  return head;
}

bool ChunkedDecoder::feed(std::string& input, std::string& body) {
  std::size_t at = 0;
  while (state_ != State::done) {
    if (state_ == State::data) {
      const std::size_t take = std::min(remaining_, input.size() - at);
      body.append(input, at, take);
      at += take;
      remaining_ -= take;
      if (remaining_ > 0) break;
      state_ = State::data_end;
      continue;
    }
    const std::size_t crlf = input.find("\r\n", at);
    if (crlf == std::string::npos) {
      if (input.size() - at > 4096) malformed("a chunk line longer than 4096 bytes");
      break;
    }
    const std::string_view line(input.data() + at, crlf - at);
    at = crlf + 2;
    if (state_ == State::data_end) {
      if (!line.empty()) malformed("chunk data longer than its size");
      state_ = State::size;
    } else if (state_ == State::size) {
      const std::string_view digits = line.substr(0, line.find(';'));
      if (digits.empty() || digits.size() > 15) malformed("a chunk size that is not a hex number");
      std::size_t size = 0;
      for (char c : digits) {
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0) malformed("a chunk size that is not a hex number");
        size = size * 16 + static_cast<std::size_t>(v);
      }
      if (size > max_bytes_ - body.size()) {
        throw Error(ErrorCode::size_limit,
                    "the answer is larger than the limit of " + std::to_string(max_bytes_) + " bytes");
      }
      remaining_ = size;
      state_ = size == 0 ? State::trailers : State::data;
    } else if (state_ == State::trailers) {
      if (line.empty()) state_ = State::done;
    }
  }
  input.erase(0, at);
  return state_ == State::done;
}

}  // namespace mfstate::detail
