// SectionPrefetch: parses the sections of a lint run ahead, on worker threads, while the linter
// checks the earlier ones in order. The rules and the history model need upgrade order; parsing
// does not, and parsing is most of the work.
//
// Memory stays bounded whatever the run's size: only sections up to kMaxSectionBytes are parsed
// ahead (a larger one is parsed by the linter itself, a window at a time), and workers stop when
// the parsed-but-unchecked sections reach kAheadBytes of SQL or kAheadSections, except for the
// section the linter waits on.
#ifndef STRATA_LINT_SECTION_PREFETCH_H_
#define STRATA_LINT_SECTION_PREFETCH_H_

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "lint/parsed_windows.h"
#include "strata/revision.h"

namespace strata::lint {

class SectionPrefetch {
 public:
  static constexpr size_t kMaxSectionBytes = size_t{1} << 20;
  static constexpr size_t kAheadBytes = size_t{2} << 20;
  static constexpr size_t kAheadSections = 64;

  // `sections` in the order Take will ask for them. Starts `workers` threads (none: Take always
  // answers nullopt).
  SectionPrefetch(std::vector<const SqlSection*> sections, unsigned workers);
  ~SectionPrefetch();
  SectionPrefetch(const SectionPrefetch&) = delete;
  SectionPrefetch& operator=(const SectionPrefetch&) = delete;

  // The parsed windows of `section`, which must be the next one in order; waits for a worker.
  // nullopt when it is not the next one, was not parsed ahead (too large), or its worker failed
  // (out of memory): the caller parses it itself.
  std::optional<std::vector<ParsedWindow>> Take(const SqlSection* section);

 private:
  enum class State : unsigned char { kQueued, kParsing, kDone, kSkipped };
  void Work();
  bool CanStart() const;  // mutex held

  std::vector<const SqlSection*> sections_;
  std::vector<State> state_;
  std::vector<std::optional<std::vector<ParsedWindow>>> parsed_;
  size_t next_ = 0;   // the next section a worker starts
  size_t taken_ = 0;  // the next section Take hands out
  size_t ahead_bytes_ = 0;
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<std::thread> workers_;
};

}  // namespace strata::lint

#endif  // STRATA_LINT_SECTION_PREFETCH_H_
