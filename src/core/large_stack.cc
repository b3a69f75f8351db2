#include "core/large_stack.h"

#include <pthread.h>

#include <exception>

namespace strata {
namespace {

struct Job {
  const std::function<void()>* fn;
  std::exception_ptr error;
};

void* RunJob(void* arg) {
  Job* job = static_cast<Job*>(arg);
  try {
    (*job->fn)();
  } catch (...) {
    job->error = std::current_exception();
  }
  return nullptr;
}

}  // namespace

size_t NonBlankChars(std::string_view sql) {
  size_t n = 0;
  for (char c : sql) n += !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f');
  return n;
}

void RunWithLargeStack(const std::function<void()>& fn, size_t stack_bytes) {
  Job job{&fn, nullptr};
  pthread_attr_t attr;
  pthread_t thread;
  bool started = pthread_attr_init(&attr) == 0;
  if (started) {
    started = pthread_attr_setstacksize(&attr, stack_bytes) == 0 &&
              pthread_create(&thread, &attr, RunJob, &job) == 0;
    pthread_attr_destroy(&attr);
  }
  if (!started) {
    fn();
    return;
  }
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace strata
