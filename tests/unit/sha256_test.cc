// SHA-256 against the NIST FIPS 180-4 example vectors, and incremental updates.
#include "core/sha256.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "strata/revision.h"

namespace strata {
namespace {

struct Vector {
  std::string input;
  const char* digest;
};

TEST(Sha256Test, NistVectors) {
  const Vector cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
       "mnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Vector& v : cases) {
    EXPECT_EQ(Sha256Hex(v.input), v.digest) << "input of " << v.input.size() << " bytes";
  }
}

// Every split of the input into two updates gives the one-shot digest; lengths around the
// 55/56/64-byte padding boundaries are where hand-written SHA-256s usually break.
TEST(Sha256Test, IncrementalMatchesOneShot) {
  for (size_t len : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000}) {
    std::string data(len, '\0');
    for (size_t i = 0; i < len; ++i) data[i] = static_cast<char>(i * 7 + 3);
    const std::string expected = Sha256Hex(data);
    for (size_t split = 0; split <= len; split += (len > 130 ? 37 : 1)) {
      Sha256 h;
      h.Update(std::string_view(data).substr(0, split));
      h.Update(std::string_view(data).substr(split));
      std::array<uint8_t, 32> d = h.Finish();
      std::string hex;
      for (uint8_t b : d) hex += fmt::format("{:02x}", b);
      EXPECT_EQ(hex, expected) << "len " << len << " split " << split;
    }
  }
}

TEST(Sha256Test, SectionChecksumIsSha256OfSql) {
  EXPECT_EQ(SectionChecksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(SectionChecksum("").size(), 64u);
}

}  // namespace
}  // namespace strata
