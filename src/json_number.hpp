// The shortest decimal spelling of a double, shared by the JSON writer and the query keys.
#pragma once

#include <cstddef>

namespace mfstate::detail {

/// Writes the shortest decimal that reads back as `d` (finite), as JavaScript's
/// Number.prototype.toString spells it, into `out` (at least 32 bytes); returns its length.
/// No allocation, cannot fail; Ryu (json.cpp), a few hundred ns at most.
std::size_t format_double(double d, char* out) noexcept;

}  // namespace mfstate::detail
