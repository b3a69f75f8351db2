// The fleet scheduler (fleet.h): worker threads under the parallel, per-host, canary and
// on-error rules. One coordinator (the caller's thread) starts targets and collects results;
// the workers only run `work` and report back under the mutex.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata/fleet.h"

namespace strata {

struct FleetRunner::Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool interrupted = false;  // stop because of Interrupt(): running targets are interrupted too
  std::string stop_reason;   // for the targets that never started
  // The interrupt functions of the targets running now, by index.
  std::map<size_t, std::function<void()>> interrupts;

  // Requires mu. No further target starts; with `interrupt`, running ones are interrupted.
  void StopLocked(std::string reason, bool interrupt) {
    if (!stop || interrupt) stop_reason = std::move(reason);
    stop = true;
    if (!interrupt || interrupted) return;
    interrupted = true;
    for (auto& [index, fn] : interrupts) fn();
  }
};

const char* TargetStateName(TargetResult::State state) {
  switch (state) {
    case TargetResult::State::kDone:
      return "done";
    case TargetResult::State::kSkipped:
      return "skipped";
    case TargetResult::State::kFailed:
      return "failed";
    case TargetResult::State::kNotRun:
      return "not_run";
  }
  return "unknown";
}

const char* FleetCommandName(FleetCommand command) {
  switch (command) {
    case FleetCommand::kUpgrade:
      return "upgrade";
    case FleetCommand::kDowngrade:
      return "downgrade";
    case FleetCommand::kCurrent:
      return "current";
    case FleetCommand::kCheck:
      return "check";
    case FleetCommand::kStatus:
      return "status";
  }
  return "unknown";
}

FleetRunner::FleetRunner(FleetOptions options, FleetObserver* observer)
    : options_(options), observer_(observer), shared_(std::make_shared<Shared>()) {
  options_.parallel = std::max(1, options_.parallel);
  options_.per_host = std::max(0, options_.per_host);
  options_.canary = std::max(0, options_.canary);
}

void FleetRunner::Interrupt() {
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->StopLocked("interrupted", true);
}

FleetSummary FleetRunner::Run(const std::vector<FleetTarget>& targets, const FleetWork& work) {
  const auto t0 = std::chrono::steady_clock::now();
  FleetSummary summary;
  summary.results.resize(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    TargetResult& r = summary.results[i];
    r.index = i;
    r.target = targets[i].display;
    r.host = targets[i].host;
  }
  Shared& sh = *shared_;
  size_t finished = 0;

  // Runs targets [begin, end) to completion (or until stopped); returns whether any failed.
  auto run_phase = [&](size_t begin, size_t end) {
    std::deque<size_t> queue;
    for (size_t i = begin; i < end; ++i) queue.push_back(i);
    std::map<std::string, int> per_host;
    int running = 0;
    bool any_failed = false;
    struct Worker {
      std::thread thread;
      bool done = false;
    };
    std::list<Worker> workers;

    std::unique_lock<std::mutex> lock(sh.mu);
    for (;;) {
      if (options_.stop_requested != nullptr && options_.stop_requested->load() && !sh.stop) {
        sh.StopLocked("interrupted", true);
      }
      // Joins finished threads so a fleet of thousands never holds thousands of them.
      for (auto it = workers.begin(); it != workers.end();) {
        if (it->done) {
          it->thread.join();
          it = workers.erase(it);
        } else {
          ++it;
        }
      }
      while (!sh.stop && running < options_.parallel) {
        auto next = std::find_if(queue.begin(), queue.end(), [&](size_t i) {
          return options_.per_host == 0 || per_host[targets[i].host] < options_.per_host;
        });
        if (next == queue.end()) break;
        size_t index = *next;
        queue.erase(next);
        ++running;
        ++per_host[targets[index].host];
        if (observer_ != nullptr) observer_->OnTargetStart(targets[index], index);
        Worker& w = workers.emplace_back();
        bool* done = &w.done;
        w.thread = std::thread([&, index, done] {
          const FleetTarget& target = targets[index];
          InterruptSlot slot = [&sh, index](std::function<void()> fn) {
            std::lock_guard<std::mutex> g(sh.mu);
            if (!fn) {
              sh.interrupts.erase(index);
              return;
            }
            if (sh.interrupted) fn();
            sh.interrupts[index] = std::move(fn);
          };
          auto started = std::chrono::steady_clock::now();
          TargetResult r;
          try {
            r = work(target, index, slot);
          } catch (const std::exception& e) {
            r.state = TargetResult::State::kFailed;
            r.exit_code = 70;
            r.error = std::string("internal error: ") + e.what();
          }
          r.index = index;
          r.target = target.display;
          r.host = target.host;
          if (r.duration_ms == 0) {
            r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
          }
          std::lock_guard<std::mutex> g(sh.mu);
          sh.interrupts.erase(index);
          if (r.state == TargetResult::State::kFailed) {
            any_failed = true;
            if (options_.stop_on_error) {
              sh.StopLocked(fmt::format("{} failed (exit {})", target.display, r.exit_code), false);
            }
          }
          summary.results[index] = std::move(r);
          --running;
          --per_host[target.host];
          ++finished;
          if (observer_ != nullptr) {
            observer_->OnTargetDone(summary.results[index], finished, targets.size());
          }
          *done = true;
          sh.cv.notify_all();
        });
      }
      if (running == 0 && (queue.empty() || sh.stop)) break;
      // Woken by each finished target; the timeout only serves stop_requested.
      sh.cv.wait_for(lock, std::chrono::milliseconds(100));
    }
    for (size_t index : queue) {
      TargetResult& r = summary.results[index];
      r.state = TargetResult::State::kNotRun;
      r.error = "not run: " + sh.stop_reason;
      ++finished;
      if (observer_ != nullptr) observer_->OnTargetDone(r, finished, targets.size());
    }
    lock.unlock();
    for (Worker& w : workers) w.thread.join();
    return any_failed;
  };

  size_t canary = std::min(static_cast<size_t>(options_.canary), targets.size());
  bool canary_ok = true;
  if (canary > 0 && canary < targets.size()) {
    canary_ok = !run_phase(0, canary);
    std::lock_guard<std::mutex> lock(sh.mu);
    if (!canary_ok) {
      summary.canary_failed = true;
      std::string failed;
      for (size_t i = 0; i < canary; ++i) {
        if (summary.results[i].state == TargetResult::State::kFailed) {
          failed += (failed.empty() ? "" : ", ") + summary.results[i].target;
        }
      }
      sh.stop = true;
      sh.stop_reason = fmt::format("canary target(s) failed: {}", failed);
    }
    if (summary.canary_failed) {
      for (size_t i = canary; i < targets.size(); ++i) {
        TargetResult& r = summary.results[i];
        r.state = TargetResult::State::kNotRun;
        r.error = "not run: " + sh.stop_reason;
        ++finished;
        if (observer_ != nullptr) observer_->OnTargetDone(r, finished, targets.size());
      }
    }
  } else {
    canary = 0;
  }
  if (!summary.canary_failed) run_phase(canary, targets.size());

  std::lock_guard<std::mutex> lock(sh.mu);
  summary.stopped = sh.stop;
  for (const TargetResult& r : summary.results) {
    summary.worst_exit_code = std::max(summary.worst_exit_code, r.exit_code);
    switch (r.state) {
      case TargetResult::State::kDone:
        ++summary.done;
        break;
      case TargetResult::State::kSkipped:
        ++summary.skipped;
        break;
      case TargetResult::State::kFailed:
        ++summary.failed;
        break;
      case TargetResult::State::kNotRun:
        ++summary.not_run;
        break;
    }
  }
  // Targets that never ran because of a failure or an interruption make the run a failure even
  // when every target that ran succeeded (Ctrl-C before anything started).
  if (summary.worst_exit_code == 0 && summary.not_run > 0) summary.worst_exit_code = 1;
  summary.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  return summary;
}

}  // namespace strata
