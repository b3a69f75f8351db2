#include "importer/child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace strata {
namespace {

constexpr size_t kStderrKept = 16 * 1024;

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Status::Usage("cannot make a pipe");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    return Status::Usage("cannot make a pipe");
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return Status::Usage("cannot make a pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const std::string& e : extra_env) env_strings.push_back(e);
  std::vector<char*> env;
  for (std::string& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]), ::close(out[1]), ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return Status::Usage(fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->in_ = in[1];
  child->out_ = out[0];
  child->err_ = err[0];
  return child;
}

ChildProcess::~ChildProcess() {
  CloseFd(in_);
  CloseFd(out_);
  CloseFd(err_);
  if (pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGTERM);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
}

Status ChildProcess::Write(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    // MSG_NOSIGNAL does not apply to pipes: a write to a child that has gone would raise
    // SIGPIPE, so ignore it for the duration.
    struct sigaction ignore {
    }, old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    ssize_t n = ::write(in_, text.data() + off, text.size() - off);
    int err = errno;
    ::sigaction(SIGPIPE, &old, nullptr);
    if (n < 0 && err == EINTR) continue;
    if (n <= 0) return Status::MigrationFailed("the Alembic bridge stopped reading its input");
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

bool ChildProcess::Pump() {
  pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
  int live = (out_ >= 0) + (err_ >= 0);
  if (live == 0) return false;
  int n = ::poll(fds, 2, -1);
  if (n < 0) return errno == EINTR;
  char buffer[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      CloseFd(i == 0 ? out_ : err_);
      continue;
    }
    if (i == 0) {
      stdout_.append(buffer, static_cast<size_t>(got));
    } else {
      stderr_.append(buffer, static_cast<size_t>(got));
      if (stderr_.size() > 2 * kStderrKept) stderr_.erase(0, stderr_.size() - kStderrKept);
    }
  }
  return true;
}

Result<std::string> ChildProcess::ReadLine() {
  while (true) {
    size_t nl = stdout_.find('\n');
    if (nl != std::string::npos) {
      std::string line = stdout_.substr(0, nl + 1);
      stdout_.erase(0, nl + 1);
      return line;
    }
    if (out_ < 0) return Status::MigrationFailed("the Alembic bridge ended without an answer");
    if (!Pump()) return Status::MigrationFailed("the Alembic bridge ended without an answer");
  }
}

int ChildProcess::Wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  pid_ = -1;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

Result<std::pair<std::string, int>> ChildProcess::Finish() {
  CloseFd(in_);
  while (Pump()) {
  }
  int code = Wait();
  return std::make_pair(std::move(stdout_), code);
}

}  // namespace strata
