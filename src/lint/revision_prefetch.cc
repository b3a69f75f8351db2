#include "lint/revision_prefetch.h"

#include "core/large_stack.h"

namespace strata::lint {
namespace {

size_t SqlBytes(const Revision& r) {
  return r.upgrade.sql.size() + (r.downgrade ? r.downgrade->sql.size() : 0);
}

}  // namespace

RevisionPrefetch::RevisionPrefetch(std::vector<const Revision*> revisions, RevisionReader reader,
                                   unsigned workers)
    : revisions_(std::move(revisions)),
      reader_(std::move(reader)),
      bytes_(revisions_.size()),
      state_(revisions_.size(), State::kQueued),
      ahead_(revisions_.size()) {
  for (size_t i = 0; i < revisions_.size(); ++i) {
    // Revisions loaded without their SQL are as large as their files (known from the load).
    bytes_[i] = reader_ ? revisions_[i]->file_size : SqlBytes(*revisions_[i]);
    if (bytes_[i] > kMaxBytes || workers == 0) state_[i] = State::kSkipped;
  }
  for (unsigned i = 0; i < workers; ++i) {
    // Each worker runs on a large stack: a deep statement recurses in libpg_query.
    workers_.emplace_back([this] { RunWithLargeStack([this] { Work(); }); });
  }
}

RevisionPrefetch::~RevisionPrefetch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool RevisionPrefetch::CanStart() const {
  if (next_ >= revisions_.size()) return false;
  if (next_ == taken_) return true;  // the linter waits on it
  return next_ - taken_ < kAheadRevisions && ahead_bytes_ + bytes_[next_] <= kAheadBytes;
}

void RevisionPrefetch::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (next_ < revisions_.size() && state_[next_] == State::kSkipped) ++next_;
    work_cv_.wait(lock, [this] { return stop_ || next_ >= revisions_.size() || CanStart(); });
    if (stop_ || next_ >= revisions_.size()) return;
    if (state_[next_] == State::kSkipped) continue;
    const size_t i = next_++;
    state_[i] = State::kWorking;
    ahead_bytes_ += bytes_[i];
    lock.unlock();
    Ahead ahead;
    try {
      const Revision* rev = revisions_[i];
      if (reader_) {
        ahead.read = reader_(*rev);
        rev = ahead.read->ok() ? &ahead.read->value() : nullptr;
      }
      auto parse = [](const SqlSection& section) {
        std::vector<ParsedWindow> windows;
        ForEachParsedWindow(section.sql, [&](ParsedWindow& w) { windows.push_back(std::move(w)); });
        return windows;
      };
      if (rev != nullptr && SqlBytes(*rev) <= kMaxBytes) {
        ahead.upgrade = parse(rev->upgrade);
        if (rev->downgrade) ahead.downgrade = parse(*rev->downgrade);
      }
    } catch (...) {
      ahead = Ahead();  // the linter does it again itself, and reports what happens then
    }
    lock.lock();
    ahead_[i] = std::move(ahead);
    state_[i] = State::kDone;
    done_cv_.notify_all();
  }
}

RevisionPrefetch::Ahead RevisionPrefetch::Take(const Revision* revision) {
  std::unique_lock<std::mutex> lock(mu_);
  if (taken_ >= revisions_.size() || revisions_[taken_] != revision) return {};
  const size_t i = taken_;
  done_cv_.wait(lock, [&] { return state_[i] == State::kDone || state_[i] == State::kSkipped; });
  Ahead out = std::move(ahead_[i]);
  ahead_[i] = Ahead();
  if (state_[i] == State::kDone) ahead_bytes_ -= bytes_[i];
  ++taken_;
  lock.unlock();
  work_cv_.notify_all();
  return out;
}

}  // namespace strata::lint
