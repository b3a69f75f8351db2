// WriteSyncedFile (synced_file.h).
#include "script/synced_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace strata {

std::optional<WriteFailure> WriteSyncedFile(const std::filesystem::path& path,
                                            std::string_view text, bool exclusive) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), 0644);
  if (fd < 0) return WriteFailure{"create", errno};
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return WriteFailure{"write", err};
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return std::nullopt;
}

}  // namespace strata
