// What the server needs of access tokens beyond the public API.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "mfstate/registry_server.hpp"

namespace mfstate::detail {

/// SHA-256 of `data`. Throws io_error when the digest is unavailable. No allocation.
std::array<std::uint8_t, 32> sha256(std::string_view data);

/// The token of `policy` whose digest is SHA-256(`secret`), or nullptr. Every digest is compared
/// in constant time, and every one is compared, so the time taken says nothing of the secret.
const AccessToken* find_token(const AccessPolicy& policy, std::string_view secret);

}  // namespace mfstate::detail
