// Timestamps for strata_log.started_at: ISO-8601 UTC with a trailing Z, second precision
// ("2026-02-09T10:21:33Z"), which sorts as text and is what Alembic users read in logs.
//
// Pure; thread-safe (uses gmtime_r).
#ifndef STRATA_DRIVER_UTC_TIME_H_
#define STRATA_DRIVER_UTC_TIME_H_

#include <chrono>
#include <string>

namespace strata {

std::string FormatUtcIso8601(std::chrono::system_clock::time_point when);

}  // namespace strata

#endif  // STRATA_DRIVER_UTC_TIME_H_
