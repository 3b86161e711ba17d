// Reading a file whole without trusting what sits at its path (native only).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mfstate::detail {

/// The content of the regular file at `path`, read until its end but never past `max_bytes`
/// (one byte more is Error(size_limit), and reading stops there: /dev/zero cannot exhaust memory).
/// Anything but a regular file is Error(io_error) without blocking (a FIFO nobody writes to is
/// refused at once), as is a symbolic link at the last component when !follow_symlinks. Messages
/// start with `shown` (the path as the caller wants it seen). Allocates; O(file size).
std::string read_regular_file(const std::string& path, std::size_t max_bytes, bool follow_symlinks,
                              std::string_view shown);

}  // namespace mfstate::detail
