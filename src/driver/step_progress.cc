#include "driver/step_progress.h"

#include <algorithm>

namespace strata {

ProgressReporter::ProgressReporter(const DriverOptions& options, const Step& step)
    : options_(options), start_(std::chrono::steady_clock::now()) {
  progress_.step = &step;
  progress_.bytes_total = step.section().sql.size();
}

ProgressReporter::~ProgressReporter() {
  if (!options_.on_progress) return;
  progress_.finished = true;
  progress_.elapsed = std::chrono::steady_clock::now() - start_;
  try {
    options_.on_progress(progress_);
  } catch (...) {
    // A progress line is not worth an exception out of a destructor.
  }
}

void ProgressReporter::Report(int64_t statements, size_t bytes) {
  progress_.statements_done = statements;
  progress_.bytes_done = std::min(bytes, progress_.bytes_total);
  if (!options_.on_progress) return;
  progress_.elapsed = std::chrono::steady_clock::now() - start_;
  options_.on_progress(progress_);
}

}  // namespace strata
