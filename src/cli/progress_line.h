// ProgressLine: the progress of a large revision on a terminal (issue 15), one line on stderr
// redrawn in place: statements done, how far into the section, elapsed time and rate.
//
//   upgrade 3f2a9c1b7d4e: 412,000 statements (41%), 4.1 s, 100,304 statements/s
//
// Shown only for a section of at least kThresholdBytes (smaller ones finish before a line is
// worth reading), drawn at the first report and then at most every kRedraw, and blanked when the
// step ends or before any other line goes to stderr (Clear), so that lines never mix. The caller
// decides whether stderr is a terminal and -q was not given.
//
// Not thread-safe: driven from the thread that runs the migration.
#ifndef STRATA_CLI_PROGRESS_LINE_H_
#define STRATA_CLI_PROGRESS_LINE_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "strata/driver.h"

namespace strata::cli {

class ProgressLine {
 public:
  static constexpr size_t kThresholdBytes = size_t{1} << 20;
  static constexpr std::chrono::milliseconds kRedraw{200};

  // Draws `progress` (or blanks the line when it is the step's last report).
  void Update(const StepProgress& progress);
  // Blanks the line if one is shown.
  void Clear();

  // The line's text.
  static std::string Format(const StepProgress& progress);

 private:
  const Step* step_ = nullptr;
  std::chrono::steady_clock::duration drawn_at_{};  // the step's elapsed time at the last draw
  size_t width_ = 0;                                // of the line on screen; 0 when none is shown
};

}  // namespace strata::cli

#endif  // STRATA_CLI_PROGRESS_LINE_H_
