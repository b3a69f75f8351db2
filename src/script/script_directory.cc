#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <thread>

#include "script/synced_file.h"
#include "strata/script.h"

namespace strata {
namespace fs = std::filesystem;

namespace {

// Reads a whole file relative to an open folder with plain POSIX calls (openat, read, close) into
// `out`, which the caller reuses from file to file: `history` over 10,000 files is dominated by
// system calls and allocations, so no fstat for a file that fits in the first read, no second
// read when the first one came back short (a regular file reads short only at its end), and no
// buffer per file. A larger file is measured once and read into a buffer of its exact size
// (growing by doubling would hold up to twice a large revision).
// "64 MB", "1.5 GB": a size for messages (1024-based, as max_revision_size reads them).
std::string SizeText(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return fmt::format("{:.1f} GB", bytes / 1073741824.0);
  if (bytes >= (uint64_t{1} << 20)) return fmt::format("{:.1f} MB", bytes / 1048576.0);
  return fmt::format("{} bytes", bytes);
}

Status TooLarge(const std::string& shown, uint64_t size, uint64_t max) {
  return Status::InvalidScripts(
             fmt::format("the file is {}, larger than max_revision_size ({}): strata holds a "
                         "revision's SQL in memory while it checks and runs it",
                         SizeText(size), SizeText(max)))
      .WithLocation(shown)
      .WithHint(
          "split the data migration into several revisions, or raise max_revision_size in "
          "strata.toml (e.g. max_revision_size = \"256MB\") if the machine has the memory");
}

// Fails with TooLarge, before reading it all, for a file of more than `max` bytes.
Status ReadFileAt(int dir_fd, const std::string& name, const std::string& shown, uint64_t max,
                  std::string& out) {
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidScripts(fmt::format("cannot read: {}", std::strerror(errno)))
        .WithLocation(shown);
  }
  constexpr size_t kChunk = 16384;
  size_t used = 0;
  size_t want = kChunk;  // what the next read asks for
  for (;;) {
    if (out.size() < used + want) out.resize(used + want);
    ssize_t n = ::read(fd, out.data() + used, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::InvalidScripts(fmt::format("cannot read: {}", std::strerror(err)))
          .WithLocation(shown);
    }
    used += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < want) break;
    want = kChunk;
    struct stat st {};
    if (used == kChunk && ::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) >= used) {
      if (static_cast<uint64_t>(st.st_size) > max) {
        ::close(fd);
        return TooLarge(shown, static_cast<uint64_t>(st.st_size), max);
      }
      // One byte more than the rest, so that the read which fills it comes back short (EOF).
      want = static_cast<size_t>(st.st_size) - used + 1;
    }
    if (used > max) {  // grew while being read, or could not be measured
      ::close(fd);
      return TooLarge(shown, used, max);
    }
  }
  ::close(fd);
  out.resize(used);
  return Status::Ok();
}

// Reads and parses one revision file; `buffer` is reused from file to file.
Result<Revision> ReadRevisionAt(int dir_fd, const std::string& name, const std::string& shown,
                                uint64_t max, std::string& buffer) {
  STRATA_RETURN_IF_ERROR(ReadFileAt(dir_fd, name, shown, max, buffer));
  const uint64_t size = buffer.size();
  // A large file's buffer becomes its largest section rather than being copied into it.
  constexpr size_t kHandOverFrom = size_t{1} << 20;
  Result<Revision> rev = buffer.size() >= kHandOverFrom
                             ? ParseOwnedRevisionFile(std::move(buffer), shown)
                             : ParseRevisionFile(buffer, shown);
  if (rev.ok()) rev->file_size = size;
  return rev;
}

// Names of the revision files in `dir`: `*.sql`, not hidden (editor temp files), regular files.
Result<std::vector<std::string>> ListRevisionFiles(const fs::path& dir, int dir_fd) {
  int list_fd = ::dup(dir_fd);
  DIR* d = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
  if (d == nullptr) {
    if (list_fd >= 0) ::close(list_fd);
    return Status::InvalidScripts(
               fmt::format("cannot list migrations folder: {}", std::strerror(errno)))
        .WithLocation(dir.string());
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() <= 4 || name.front() == '.' || !name.ends_with(".sql")) continue;
    bool regular = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st {};
      regular = ::fstatat(dir_fd, e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
    }
    if (regular) names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string RandomRevisionId() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string id(12, '0');
  for (char& c : id) c = "0123456789abcdef"[hex(rd)];
  return id;
}

std::string NowLocal() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

Result<Revision> ReadRevisionFile(const fs::path& path, uint64_t max_revision_size) {
  std::string buffer;
  return ReadRevisionAt(AT_FDCWD, path.string(), path.string(), max_revision_size, buffer);
}

Result<RevisionGraph> LoadScriptDirectory(const fs::path& dir, uint64_t max_revision_size,
                                          SqlBodies bodies) {
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return Status::InvalidScripts(
               fmt::format("migrations folder '{}' does not exist", dir.string()))
        .WithHint("run `strata init` to create it, or point --dir / the `dir` setting at it");
  }
  Result<std::vector<std::string>> names = ListRevisionFiles(dir, dir_fd);
  if (!names.ok()) {
    ::close(dir_fd);
    return names.status();
  }

  // Files are independent until the graph is built: large folders are read and parsed on two
  // threads (the machines strata targets have at least two cores; reading is syscall-bound).
  // Each file's slot is filled by exactly one thread; revisions are parsed in place.
  const size_t count = names->size();
  std::vector<Revision> revisions(count);
  std::vector<Status> problems(count);
  const std::string prefix = dir.string() + "/";
  auto work = [&](size_t begin, size_t end) {
    std::string text;
    for (size_t i = begin; i < end; ++i) {
      const std::string shown = prefix + (*names)[i];
      Result<Revision> rev = ReadRevisionAt(dir_fd, (*names)[i], shown, max_revision_size, text);
      if (rev.ok()) {
        revisions[i] = std::move(rev).value();
        if (bodies == SqlBodies::kDrop) {
          // Swapped out, not assigned "": assigning keeps the string's buffer.
          std::string().swap(revisions[i].upgrade.sql);
          if (revisions[i].downgrade) std::string().swap(revisions[i].downgrade->sql);
        }
      } else {
        problems[i] = rev.status();
      }
    }
  };
  constexpr size_t kParallelFrom = 256;
  if (count >= kParallelFrom) {
    size_t half = count / 2;
    std::thread helper(work, half, count);
    work(0, half);
    helper.join();
  } else {
    work(0, count);
  }
  ::close(dir_fd);

  std::erase_if(problems, [](const Status& s) { return s.ok(); });
  if (!problems.empty()) return Combine(problems);
  return RevisionGraph::Build(std::move(revisions));
}

std::string Slugify(const std::string& message) {
  constexpr size_t kMaxSlug = 40;
  std::string slug;
  bool pending_sep = false;
  for (unsigned char c : message) {
    if (!std::isalnum(c)) {
      pending_sep = true;
      continue;
    }
    size_t need = (pending_sep && !slug.empty()) ? 2 : 1;
    if (slug.size() + need > kMaxSlug) break;
    if (need == 2) slug += '_';
    pending_sep = false;
    slug += static_cast<char>(std::tolower(c));
  }
  return slug;
}

Result<WrittenRevision> WriteRevisionFile(const fs::path& dir, const NewRevision& spec) {
  Revision rev;
  rev.id = spec.rev_id.empty() ? RandomRevisionId() : spec.rev_id;
  if (!IsValidRevisionId(rev.id)) {
    return Status::Usage(
        fmt::format("invalid revision id '{}': use 1-32 characters of [0-9A-Za-z_]", rev.id));
  }
  if (spec.message.find('\n') != std::string::npos) {
    return Status::Usage("the revision message must be a single line");
  }
  rev.message = spec.message;
  rev.parents = spec.parents;
  rev.branch_labels = spec.branch_labels;
  rev.depends_on = spec.depends_on;
  rev.transactional = spec.transactional;
  rev.create_date = spec.create_date.empty() ? NowLocal() : spec.create_date;
  rev.upgrade.sql = spec.upgrade_sql;
  rev.downgrade = SqlSection{spec.downgrade_sql, 0};
  const std::string text = RenderRevisionFile(rev);

  std::string slug = Slugify(spec.message);
  fs::path target = dir / (slug.empty() ? rev.id + ".sql" : rev.id + "_" + slug + ".sql");
  fs::path tmp = dir / fmt::format(".{}.sql.tmp{}", rev.id, ::getpid());

  // Write to a temporary file, fsync, then link it into place: a crash never leaves a
  // half-written revision, and link() refuses to replace an existing file.
  if (std::optional<WriteFailure> f = WriteSyncedFile(tmp, text, /*exclusive=*/true)) {
    return Status::InvalidScripts(
               fmt::format("cannot {} revision file: {}", f->step, std::strerror(f->error)))
        .WithLocation(tmp.string());
  }
  if (::link(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) {
      return Status::Usage(fmt::format("'{}' already exists", target.string()))
          .WithHint("choose another --rev-id");
    }
    return Status::InvalidScripts(
               fmt::format("cannot create revision file: {}", std::strerror(err)))
        .WithLocation(target.string());
  }
  ::unlink(tmp.c_str());
  return WrittenRevision{rev.id, target};
}

}  // namespace strata
