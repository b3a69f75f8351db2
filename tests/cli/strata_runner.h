// Runs the real `strata` binary as a child process, in a folder of its own, and captures its
// stdout, stderr and exit code. Used by the CLI and concurrency tests.
#ifndef STRATA_TESTS_CLI_STRATA_RUNNER_H_
#define STRATA_TESTS_CLI_STRATA_RUNNER_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata::testing {

struct Output {
  int code = -1;
  std::string out;
  std::string err;
  long max_rss_kb = -1;  // the process's peak resident set (wait4's ru_maxrss), in KB
};

// A running strata process whose stdout/stderr are pipes.
class Child {
 public:
  // Runs strata with `args`; with `program` set, runs that program instead (args[0] is then
  // the program's first argument). stdin is a pipe kept open until CloseStdin().
  Child(const std::string& cwd, const std::vector<std::string>& args,
        const std::map<std::string, std::optional<std::string>>& env,
        const std::string& program = STRATA_BINARY) {
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
        pipe2(in_pipe, O_CLOEXEC) != 0) {
      std::abort();
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
      dup2(in_pipe[0], 0);
      if (chdir(cwd.c_str()) != 0) _exit(127);
      for (const auto& [k, v] : env) {
        if (v)
          setenv(k.c_str(), v->c_str(), 1);
        else
          unsetenv(k.c_str());
      }
      std::vector<char*> argv;
      std::string bin = program;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(in_pipe[0]);
    in_fd_ = in_pipe[1];
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
  }
  ~Child() {
    CloseStdin();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  pid_t pid() const { return pid_; }

  // Reads stdout until `needle` appears (or EOF). Returns whether it appeared.
  bool WaitForStdout(const std::string& needle) {
    while (output_.out.find(needle) == std::string::npos) {
      if (!ReadSome(true)) return false;
    }
    return true;
  }

  void Signal(int sig) { kill(pid_, sig); }

  // What the child wrote on stdout so far (as read by WaitForStdout).
  const std::string& stdout_so_far() const { return output_.out; }

  void CloseStdin() {
    if (in_fd_ >= 0) close(in_fd_);
    in_fd_ = -1;
  }

  Output Wait() {
    CloseStdin();
    while (ReadSome(false)) {
    }
    int status = 0;
    if (pid_ > 0) {
      rusage usage{};
      wait4(pid_, &status, 0, &usage);
      output_.max_rss_kb = usage.ru_maxrss;
      output_.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
    }
    return output_;
  }

 private:
  // Reads from whichever pipe has data; false when both are at EOF.
  bool ReadSome(bool stdout_only) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    int n = (stdout_only || err_fd_ < 0) ? 1 : 2;
    if (fds[0].fd < 0 && (n == 1 || fds[1].fd < 0)) return false;
    if (poll(fds, static_cast<nfds_t>(n), -1) < 0) return false;
    char buf[4096];
    bool any = false;
    for (int i = 0; i < n; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        (i == 0 ? output_.out : output_.err).append(buf, static_cast<size_t>(r));
        any = true;
      } else {
        close(fds[i].fd);
        (i == 0 ? out_fd_ : err_fd_) = -1;
        any = true;
      }
    }
    return any || out_fd_ >= 0 || err_fd_ >= 0;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  Output output_;
};

// A temporary working folder, removed at the end. Environment variables that would change which
// database or config strata uses are cleared for every run, so the host's settings never leak in.
class Workspace {
 public:
  Workspace() {
    char tmpl[] = "/tmp/strata-cli-XXXXXX";
    dir_ = mkdtemp(tmpl);
    env_["STRATA_URL"] = std::nullopt;
    env_["DATABASE_URI"] = std::nullopt;
    env_["DATABASE_URL"] = std::nullopt;
    env_["STRATA_CONFIG"] = std::nullopt;
  }
  ~Workspace() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }
  void SetEnv(const std::string& k, std::optional<std::string> v) { env_[k] = std::move(v); }

  Output Run(const std::vector<std::string>& args) const { return Child(dir_, args, env_).Wait(); }
  std::unique_ptr<Child> Start(const std::vector<std::string>& args) const {
    return std::make_unique<Child>(dir_, args, env_);
  }
  // Starts another program in the workspace (for lock holders and the like).
  std::unique_ptr<Child> StartProgram(const std::string& program,
                                      const std::vector<std::string>& args) const {
    return std::make_unique<Child>(dir_, args, env_, program);
  }

  void Write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = path(rel);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(path(rel));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  std::map<std::string, std::optional<std::string>> env_;
};

// A revision file's text in DESIGN §2's format.
inline std::string RevisionText(const std::string& id, const std::string& revises,
                                const std::string& upgrade,
                                const std::optional<std::string>& downgrade = std::string(),
                                const std::string& message = "", const std::string& extra = "") {
  std::string t = "-- " + (message.empty() ? "revision " + id : message) + "\n--\n";
  t += "-- Revision ID: " + id + "\n-- Revises: " + revises + "\n" + extra + "\n";
  t += "-- migrate:upgrade\n" + upgrade + "\n";
  if (downgrade) t += "\n-- migrate:downgrade\n" + *downgrade + "\n";
  return t;
}

}  // namespace strata::testing

#endif  // STRATA_TESTS_CLI_STRATA_RUNNER_H_
