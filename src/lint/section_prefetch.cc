#include "lint/section_prefetch.h"

#include "core/large_stack.h"

namespace strata::lint {

SectionPrefetch::SectionPrefetch(std::vector<const SqlSection*> sections, unsigned workers)
    : sections_(std::move(sections)),
      state_(sections_.size(), State::kQueued),
      parsed_(sections_.size()) {
  for (size_t i = 0; i < sections_.size(); ++i) {
    if (sections_[i]->sql.size() > kMaxSectionBytes) state_[i] = State::kSkipped;
  }
  if (workers == 0) {
    std::fill(state_.begin(), state_.end(), State::kSkipped);
    return;
  }
  for (unsigned i = 0; i < workers; ++i) {
    // Each worker runs on a large stack: a deep statement recurses in libpg_query.
    workers_.emplace_back([this] { RunWithLargeStack([this] { Work(); }); });
  }
}

SectionPrefetch::~SectionPrefetch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool SectionPrefetch::CanStart() const {
  if (next_ >= sections_.size()) return false;
  if (next_ == taken_) return true;  // the linter waits on it
  return next_ - taken_ < kAheadSections &&
         ahead_bytes_ + sections_[next_]->sql.size() <= kAheadBytes;
}

void SectionPrefetch::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (next_ < sections_.size() && state_[next_] == State::kSkipped) ++next_;
    work_cv_.wait(lock, [this] { return stop_ || next_ >= sections_.size() || CanStart(); });
    if (stop_ || next_ >= sections_.size()) return;
    if (state_[next_] == State::kSkipped) continue;
    const size_t i = next_++;
    state_[i] = State::kParsing;
    ahead_bytes_ += sections_[i]->sql.size();
    lock.unlock();
    std::optional<std::vector<ParsedWindow>> windows;
    try {
      windows.emplace();
      ForEachParsedWindow(sections_[i]->sql,
                          [&](ParsedWindow& w) { windows->push_back(std::move(w)); });
    } catch (...) {
      windows.reset();  // the linter parses it again itself, and reports what happens then
    }
    lock.lock();
    parsed_[i] = std::move(windows);
    state_[i] = State::kDone;
    done_cv_.notify_all();
  }
}

std::optional<std::vector<ParsedWindow>> SectionPrefetch::Take(const SqlSection* section) {
  std::unique_lock<std::mutex> lock(mu_);
  if (taken_ >= sections_.size() || sections_[taken_] != section) return std::nullopt;
  const size_t i = taken_;
  done_cv_.wait(lock, [&] { return state_[i] == State::kDone || state_[i] == State::kSkipped; });
  std::optional<std::vector<ParsedWindow>> out = std::move(parsed_[i]);
  parsed_[i].reset();
  if (state_[i] == State::kDone) ahead_bytes_ -= sections_[i]->sql.size();
  ++taken_;
  lock.unlock();
  work_cv_.notify_all();
  return out;
}

}  // namespace strata::lint
