// Arena: a bump allocator whose blocks are freed together. A parse tree's protobuf messages and
// Nodes are many small objects with one lifetime, so they are allocated here rather than one
// malloc each, and freed with no walk over the tree (a walk would recurse, or need a stack).
#ifndef STRATA_PGTREE_ARENA_H_
#define STRATA_PGTREE_ARENA_H_

#include <cstddef>
#include <memory>
#include <vector>

namespace strata::pgtree {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // `bytes` of uninitialised memory aligned for any scalar type. Throws std::bad_alloc.
  void* Allocate(size_t bytes);

  template <typename T>
  T* AllocateArray(size_t n) {
    return static_cast<T*>(Allocate(sizeof(T) * n));
  }

 private:
  // Blocks grow from 4 KB to 64 KB: most trees are of one small statement.
  static constexpr size_t kFirstBlockBytes = size_t{4} << 10;
  static constexpr size_t kMaxBlockBytes = size_t{64} << 10;
  size_t block_bytes_ = kFirstBlockBytes;
  std::vector<std::unique_ptr<std::max_align_t[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace strata::pgtree

#endif  // STRATA_PGTREE_ARENA_H_
