// libFuzzer target: strata.toml as any bytes. LoadSettings must never crash; it accepts the file
// or refuses it as a config error (exit 3) or a usage error, with a message naming the file.
// The duration and size parsers get the same bytes as a value.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "strata/config.h"

namespace {

std::optional<std::string> NoEnv(const char*) { return std::nullopt; }

const std::string& ConfigPath() {
  static const std::string path = "/tmp/strata-config-fuzz-" + std::to_string(getpid()) + ".toml";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)strata::ParseDuration(input);
  (void)strata::ParseSize(input);
  FILE* f = std::fopen(ConfigPath().c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(input.data(), 1, input.size(), f);
  std::fclose(f);
  strata::SettingsOverrides overrides;
  overrides.config = ConfigPath();
  strata::Result<strata::Settings> s = strata::LoadSettings(overrides, NoEnv);
  if (!s.ok()) {
    strata::ErrorKind k = s.status().kind();
    if ((k != strata::ErrorKind::kInvalidScripts && k != strata::ErrorKind::kUsage) ||
        s.status().message().empty()) {
      std::fprintf(stderr, "unexpected refusal: %s\n", s.status().ToString().c_str());
      std::abort();
    }
  }
  return 0;
}
