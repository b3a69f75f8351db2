// A small self-contained SHA-256 (FIPS 180-4), private to src/core.
//
// strata avoids linking libcrypto: every shared library adds milliseconds to the CLI's start-up,
// which is a measured feature, and checksumming a revision's SQL is all we need.
// Stateless functions; safe to call from any thread.
#ifndef STRATA_CORE_SHA256_H_
#define STRATA_CORE_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

// Incremental hasher: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  std::array<uint8_t, 32> Finish();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// The digest of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace strata

#endif  // STRATA_CORE_SHA256_H_
