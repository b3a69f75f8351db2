// libstrata.so's own symbol: the version of the library a program loaded, which can differ from
// the headers it was compiled with (strata/version.h) when the package was upgraded underneath.
#include "strata/migrator.h"
#include "strata/version.h"

const char* strata_library_version() { return strata::StrataVersion(); }
