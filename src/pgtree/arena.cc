#include "pgtree/arena.h"

#include <algorithm>

namespace strata::pgtree {

void* Arena::Allocate(size_t bytes) {
  constexpr size_t kAlign = alignof(std::max_align_t);
  bytes = (bytes + kAlign - 1) / kAlign * kAlign;
  if (bytes == 0) bytes = kAlign;
  if (bytes > left_) {
    // A large request gets a block of its own, so the current block's rest is not wasted.
    if (bytes > block_bytes_ / 4) {
      blocks_.push_back(std::make_unique_for_overwrite<std::max_align_t[]>(bytes / kAlign));
      return blocks_.back().get();
    }
    blocks_.push_back(std::make_unique_for_overwrite<std::max_align_t[]>(block_bytes_ / kAlign));
    next_ = reinterpret_cast<char*>(blocks_.back().get());
    left_ = block_bytes_;
    block_bytes_ = std::min(block_bytes_ * 2, kMaxBlockBytes);
  }
  void* out = next_;
  next_ += bytes;
  left_ -= bytes;
  return out;
}

}  // namespace strata::pgtree
