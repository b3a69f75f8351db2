// Writing a revision file's bytes durably, for `strata revision` and `strata import`: both write
// to a temporary name, fsync, then move it into place, so a crash never leaves half a file.
#ifndef STRATA_SCRIPT_SYNCED_FILE_H_
#define STRATA_SCRIPT_SYNCED_FILE_H_

#include <filesystem>
#include <optional>
#include <string_view>

namespace strata {

struct WriteFailure {
  const char* step;  // "create" or "write"
  int error;         // errno
};

// Creates `path` (mode 0644; `exclusive`: refusing an existing file, else truncating it), writes
// `text` whole (retrying short writes and EINTR) and fsyncs it. On failure a file it created is
// removed, and what failed is returned for the caller's message.
std::optional<WriteFailure> WriteSyncedFile(const std::filesystem::path& path,
                                            std::string_view text, bool exclusive);

}  // namespace strata

#endif  // STRATA_SCRIPT_SYNCED_FILE_H_
