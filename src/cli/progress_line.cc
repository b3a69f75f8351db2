#include "cli/progress_line.h"

#include <fmt/format.h>

#include <cstdio>

namespace strata::cli {
namespace {

// 1234567 -> "1,234,567".
std::string WithCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

std::string ProgressLine::Format(const StepProgress& p) {
  const double seconds = std::chrono::duration<double>(p.elapsed).count();
  const int percent =
      p.bytes_total > 0 ? static_cast<int>(p.bytes_done * 100 / p.bytes_total) : 100;
  const int64_t rate = seconds > 0 ? static_cast<int64_t>(p.statements_done / seconds) : 0;
  return fmt::format("{} {}: {} statements ({}%), {:.1f} s, {} statements/s",
                     DirectionName(p.step->direction), p.step->revision->id,
                     WithCommas(p.statements_done), percent, seconds, WithCommas(rate));
}

void ProgressLine::Update(const StepProgress& p) {
  if (p.step == nullptr || p.step->revision == nullptr || p.bytes_total < kThresholdBytes) return;
  if (p.finished) {
    Clear();
    step_ = nullptr;
    return;
  }
  if (p.step == step_ && p.elapsed - drawn_at_ < kRedraw) return;
  step_ = p.step;
  drawn_at_ = p.elapsed;
  std::string line = Format(p);
  // Spaces over what is left of a longer previous line; no escape codes, so a dumb terminal
  // shows it right too.
  size_t shown = line.size();
  if (shown < width_) line.append(width_ - shown, ' ');
  std::fprintf(stderr, "\r%s", line.c_str());
  std::fflush(stderr);
  width_ = shown;
}

void ProgressLine::Clear() {
  if (width_ == 0) return;
  std::fprintf(stderr, "\r%s\r", std::string(width_, ' ').c_str());
  std::fflush(stderr);
  width_ = 0;
}

}  // namespace strata::cli
