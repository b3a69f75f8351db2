// Who is running strata, for strata_log.applied_by: "<os user>@<hostname>".
//
// Thread-safe (getpwuid_r); computed once per Migrator.
#ifndef STRATA_RUNTIME_APPLIED_BY_H_
#define STRATA_RUNTIME_APPLIED_BY_H_

#include <string>

namespace strata {

// $USER, else the password database's name for the effective uid, else the numeric uid; then
// '@' and the host name ("unknown" when gethostname fails). Never fails: an audit row with an
// approximate name beats a migration refused over it.
std::string AppliedBy();

}  // namespace strata

#endif  // STRATA_RUNTIME_APPLIED_BY_H_
