// RevisionPrefetch: reads (when the revisions were loaded without their SQL) and parses the
// revisions of a lint run ahead, on worker threads, while the linter checks the earlier ones in
// order. The rules and the history model need upgrade order; reading and parsing do not, and
// parsing is most of the work.
//
// Memory stays bounded whatever the run's size: a revision whose file or sections are larger
// than kMaxBytes is left to the linter itself (which parses it a window at a time), and workers
// stop when the revisions read or parsed ahead reach kAheadBytes of SQL or kAheadRevisions,
// except for the revision the linter waits on.
#ifndef STRATA_LINT_REVISION_PREFETCH_H_
#define STRATA_LINT_REVISION_PREFETCH_H_

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "lint/parsed_windows.h"
#include "strata/lint.h"

namespace strata::lint {

class RevisionPrefetch {
 public:
  static constexpr size_t kMaxBytes = size_t{1} << 20;
  static constexpr size_t kAheadBytes = size_t{2} << 20;
  static constexpr size_t kAheadRevisions = 16;

  // What the linter gets for a revision; empty members: do it yourself.
  struct Ahead {
    std::optional<Result<Revision>> read;  // the revision with its SQL (a reader was given)
    std::optional<std::vector<ParsedWindow>> upgrade;
    std::optional<std::vector<ParsedWindow>> downgrade;
  };

  // `revisions` in the order Take will ask for them; `reader` as for LintRevisions (may be null).
  // Starts `workers` threads (none: Take always answers an empty Ahead).
  RevisionPrefetch(std::vector<const Revision*> revisions, RevisionReader reader, unsigned workers);
  ~RevisionPrefetch();
  RevisionPrefetch(const RevisionPrefetch&) = delete;
  RevisionPrefetch& operator=(const RevisionPrefetch&) = delete;

  // What was done ahead for `revision`, which must be the next one in order; waits for a worker.
  // Empty when it is not the next one, was too large, or its worker failed (out of memory).
  Ahead Take(const Revision* revision);

 private:
  enum class State : unsigned char { kQueued, kWorking, kDone, kSkipped };
  void Work();
  bool CanStart() const;  // mutex held

  std::vector<const Revision*> revisions_;
  RevisionReader reader_;
  std::vector<size_t> bytes_;  // each revision's SQL (or file) size
  std::vector<State> state_;
  std::vector<Ahead> ahead_;
  size_t next_ = 0;   // the next revision a worker starts
  size_t taken_ = 0;  // the next revision Take hands out
  size_t ahead_bytes_ = 0;
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<std::thread> workers_;
};

}  // namespace strata::lint

#endif  // STRATA_LINT_REVISION_PREFETCH_H_
