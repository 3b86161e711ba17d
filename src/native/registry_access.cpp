// Access tokens of a served registry: generating them, hashing them, and the token file
// (registry_server.hpp). Only SHA-256 digests are ever stored; a token has 256 random bits, so a
// fast hash is enough (nothing to brute-force), and the server compares digests in constant time.
#include "registry_access.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <set>

namespace mfstate {

namespace {

Error refused(const std::string& what) { return Error(ErrorCode::invalid_argument, "token file: " + what); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<std::uint8_t, 32> digest_from_hex(std::string_view hex, const std::string& where) {
  std::array<std::uint8_t, 32> out{};
  if (hex.size() != 64) throw refused(where + ".sha256 is not 64 hex digits");
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw refused(where + ".sha256 is not 64 hex digits");
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

void only_members(const Value& object, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
  for (const Member& m : object.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), m.key) == allowed.end()) {
      throw refused(where + " has an unknown member \"" + printable(m.key) + "\"");
    }
  }
}

AccessToken parse_token(const Value& entry, const std::string& where) {
  if (!entry.is_object()) throw refused(where + " is not an object");
  only_members(entry, {"name", "sha256", "apps", "admin"}, where);
  AccessToken token;
  const Value* name = entry.find("name");
  if (!name || !name->is_string() || !is_app_name(name->as_string())) {
    throw refused(where + ".name must be a name (letters, digits, . _ -)");
  }
  token.name = std::string(name->as_string());
  const Value* sha = entry.find("sha256");
  if (!sha || !sha->is_string()) throw refused(where + ".sha256 is missing");
  token.sha256 = digest_from_hex(sha->as_string(), where);
  if (const Value* apps = entry.find("apps")) {
    if (!apps->is_array()) throw refused(where + ".apps is not an array of app names");
    for (const Value& app : apps->as_array()) {
      if (!app.is_string() || !is_registry_name(app.as_string())) {
        throw refused(where + ".apps holds something that is not an app name");
      }
      token.apps.emplace_back(app.as_string());
    }
  }
  if (const Value* admin = entry.find("admin")) {
    if (!admin->is_bool()) throw refused(where + ".admin is not true or false");
    token.admin = admin->as_bool();
  }
  return token;
}

}  // namespace

AccessPolicy AccessPolicy::open() {
  AccessPolicy policy;
  policy.open_write = true;
  return policy;
}

AccessPolicy AccessPolicy::parse(const Value& document) {
  if (!document.is_object()) throw refused("expected {\"read\": \"open\" or \"token\", \"tokens\": [...]}");
  only_members(document, {"read", "tokens"}, "the document");
  AccessPolicy policy;
  if (const Value* read = document.find("read")) {
    if (!read->is_string() || (read->as_string() != "open" && read->as_string() != "token")) {
      throw refused("\"read\" must be \"open\" (anyone may read) or \"token\" (every request needs a token)");
    }
    policy.open_read = read->as_string() == "open";
  }
  const Value* tokens = document.find("tokens");
  if (!tokens || !tokens->is_array()) throw refused("\"tokens\" must be an array");
  std::set<std::string> names;
  std::set<std::array<std::uint8_t, 32>> digests;
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    AccessToken token = parse_token(tokens->at(i), "tokens[" + std::to_string(i) + "]");
    if (!names.insert(token.name).second) throw refused("two tokens are called \"" + token.name + "\"");
    if (!digests.insert(token.sha256).second)
      throw refused("tokens \"" + token.name + "\" and another have one secret");
    policy.tokens.push_back(std::move(token));
  }
  return policy;
}

AccessPolicy AccessPolicy::load(const std::string& file) {
  const Value document = read_json_file(file);
  try {
    return parse(document);
  } catch (const Error& e) {
    throw Error(e.code(), file + ": " + e.what());
  }
}

std::string generate_access_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw Error(ErrorCode::io_error, "no randomness available to make a token");
  }
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token = "mfs_";
  std::uint32_t bits = 0;
  int held = 0;
  for (unsigned char b : bytes) {
    bits = (bits << 8) | b;
    held += 8;
    while (held >= 6) {
      held -= 6;
      token += alphabet[(bits >> held) & 0x3F];
    }
  }
  if (held > 0) token += alphabet[(bits << (6 - held)) & 0x3F];
  return token;
}

std::string access_token_hash(std::string_view token) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t byte : detail::sha256(token)) {
    out += hex[byte >> 4];
    out += hex[byte & 0x0F];
  }
  return out;
}

namespace detail {

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != 32) {
    throw Error(ErrorCode::io_error, "SHA-256 is not available");
  }
  return digest;
}

const AccessToken* find_token(const AccessPolicy& policy, std::string_view secret) {
  const auto digest = sha256(secret);
  const AccessToken* found = nullptr;
  for (const AccessToken& token : policy.tokens) {
    if (CRYPTO_memcmp(token.sha256.data(), digest.data(), digest.size()) == 0) found = &token;
  }
  return found;
}

}  // namespace detail

}  // namespace mfstate
