// libFuzzer target: database URLs as any bytes. ParseDatabaseUrl, RedactUrl, RedactSecrets and
// TargetHost (fleet.h) must never crash; a refused URL is a usage error whose message does not
// carry a password the URL's userinfo held; a password in the userinfo of a postgresql:// URL
// never survives RedactUrl.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "strata/fleet.h"
#include "strata/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  strata::Result<strata::DatabaseUrl> url = strata::ParseDatabaseUrl(input);
  std::string redacted = strata::RedactUrl(input);
  (void)strata::RedactSecrets(input + " and again " + input, input);
  (void)strata::TargetHost(input);
  if (!url.ok() && url.status().kind() != strata::ErrorKind::kUsage) std::abort();
  // postgresql://user:SECRET@host/...: SECRET (long enough not to occur by chance) is gone.
  const std::string scheme = "postgresql://";
  if (input.rfind(scheme, 0) == 0) {
    size_t at =
        input.rfind('@', input.find('?') == std::string::npos ? input.npos : input.find('?'));
    size_t colon = input.find(':', scheme.size());
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      std::string secret = input.substr(colon + 1, at - colon - 1);
      // Only a secret that occurs once in the input: the same bytes elsewhere (the host, say)
      // are shown rightly.
      bool once = input.find(secret) == colon + 1 && input.find(secret, colon + 2) == input.npos;
      if (secret.size() >= 8 && once && secret.find("***") == std::string::npos &&
          redacted.find(secret) != std::string::npos) {
        std::fprintf(stderr, "password shown: %s\n", redacted.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
