#include "runtime/applied_by.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace strata {
namespace {

std::string UserName() {
  // $USER first: under sudo or in containers it names the person more often than the uid does.
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  uid_t uid = geteuid();
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr) {
    return found->pw_name;
  }
  return "uid" + std::to_string(uid);
}

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "unknown";
  return host;
}

}  // namespace

std::string AppliedBy() { return UserName() + "@" + HostName(); }

}  // namespace strata
