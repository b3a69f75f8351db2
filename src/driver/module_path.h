// Where strata's dlopen'd modules (strata_postgres.so, strata_http.so) may be. Both are built into
// the build folder and installed into <libdir>/strata/, so one search serves both.
#ifndef STRATA_DRIVER_MODULE_PATH_H_
#define STRATA_DRIVER_MODULE_PATH_H_

#include <string>
#include <string_view>
#include <vector>

namespace strata {

// The paths to try for `file_name`, in order. The environment variable `env_var`, when set and
// not empty, is the only one: a path someone chose and got wrong must be reported, not quietly
// replaced by another copy. Otherwise: beside the executable (a build tree), where `cmake
// --install` puts it relative to the executable (any prefix, any DESTDIR), beside the file this
// code was loaded from (libstrata.so, or the Python extension in dist-packages/strata/), the
// configured install path, then the build folder.
std::vector<std::string> ModuleCandidates(std::string_view file_name, const char* env_var);

// "a, b, c": the candidates for a "not found (looked in: ...)" message.
std::string CandidateList(const std::vector<std::string>& candidates);

}  // namespace strata

#endif  // STRATA_DRIVER_MODULE_PATH_H_
