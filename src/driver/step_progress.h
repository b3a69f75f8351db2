// ProgressReporter: how both drivers report a step's progress to DriverOptions::on_progress
// (driver.h): Report() between statements, and one final report, marked finished, when the
// reporter goes out of scope with the step, whichever way it ended.
//
// Not thread-safe: used on the thread running the step.
#ifndef STRATA_DRIVER_STEP_PROGRESS_H_
#define STRATA_DRIVER_STEP_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "strata/driver.h"

namespace strata {

class ProgressReporter {
 public:
  ProgressReporter(const DriverOptions& options, const Step& step);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // `statements` of the section have run, reaching byte `bytes` of it.
  void Report(int64_t statements, size_t bytes);

 private:
  const DriverOptions& options_;
  StepProgress progress_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace strata

#endif  // STRATA_DRIVER_STEP_PROGRESS_H_
