#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

#include "strata/script.h"

namespace strata {
namespace fs = std::filesystem;

namespace {

// Reads a whole file with plain POSIX calls: `history` over 10,000 files must stay fast.
Result<std::string> ReadFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidScripts(fmt::format("cannot read: {}", std::strerror(errno)))
        .WithLocation(path.string());
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::InvalidScripts(fmt::format("cannot read: {}", std::strerror(err)))
          .WithLocation(path.string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
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

Result<RevisionGraph> LoadScriptDirectory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidScripts(
               fmt::format("migrations folder '{}' does not exist", dir.string()))
        .WithHint("run `strata init` to create it, or point --dir / STRATA's `dir` setting at it");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != ".sql") continue;
    if (p.filename().string().front() == '.') continue;  // editor temp files
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    files.push_back(p);
  }
  if (ec) {
    return Status::InvalidScripts(fmt::format("cannot list migrations folder: {}", ec.message()))
        .WithLocation(dir.string());
  }
  std::sort(files.begin(), files.end());

  std::vector<Revision> revisions;
  revisions.reserve(files.size());
  std::vector<Status> problems;
  for (const fs::path& p : files) {
    Result<std::string> text = ReadFile(p);
    if (!text.ok()) {
      problems.push_back(text.status());
      continue;
    }
    Result<Revision> rev = ParseRevisionFile(*text, p.string());
    if (!rev.ok()) {
      problems.push_back(rev.status());
      continue;
    }
    revisions.push_back(std::move(rev).value());
  }
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
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::InvalidScripts(
               fmt::format("cannot create revision file: {}", std::strerror(errno)))
        .WithLocation(tmp.string());
  }
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::InvalidScripts(
                 fmt::format("cannot write revision file: {}", std::strerror(err)))
          .WithLocation(tmp.string());
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
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
