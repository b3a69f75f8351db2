// ChildProcess: a helper program run with pipes on its stdin, stdout and stderr (the Alembic
// bridge). Arguments go through argv, which other users can read: never pass a secret there,
// use `extra_env` (the child's environment, readable only by its user).
//
// Not thread-safe. The destructor closes the pipes and waits for the child (killing it first
// when it is still running), so no zombie is left behind.
#ifndef STRATA_IMPORTER_CHILD_PROCESS_H_
#define STRATA_IMPORTER_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/status.h"

namespace strata {

class ChildProcess {
 public:
  // Starts `argv[0]` (an absolute path) with `argv` and the current environment plus
  // `extra_env` ("NAME=value"). kUsage naming the program when it cannot be started.
  static Result<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& extra_env);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Writes `text` to the child's stdin. kMigrationFailed when the child has gone.
  Status Write(const std::string& text);
  // Reads stdout up to and including the next '\n' (stderr is collected meanwhile).
  // kMigrationFailed when the child closes stdout first.
  Result<std::string> ReadLine();
  // Closes stdin, reads stdout and stderr to their end and waits: (stdout, exit status), the
  // status as a shell shows it (128+N for a signal).
  Result<std::pair<std::string, int>> Finish();

  // What the child wrote on stderr so far (its last 16 KB).
  const std::string& stderr_text() const { return stderr_; }

 private:
  ChildProcess() = default;
  // Waits for output on stdout or stderr and reads what is there; false at the end of both.
  bool Pump();
  int Wait();

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::string stdout_;
  std::string stderr_;
};

}  // namespace strata

#endif  // STRATA_IMPORTER_CHILD_PROCESS_H_
