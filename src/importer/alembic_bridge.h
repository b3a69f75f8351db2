// The text of alembic_bridge.py, compiled in (CMake generates the definition), so that the
// strata binary needs no file next to it to talk to Alembic.
#ifndef STRATA_IMPORTER_ALEMBIC_BRIDGE_H_
#define STRATA_IMPORTER_ALEMBIC_BRIDGE_H_

#include <memory>
#include <string>
#include <vector>

#include "importer/child_process.h"
#include "strata/status.h"

namespace strata {

extern const char* const kAlembicBridgeSource;

// Starts the bridge: `python -c <bridge> args...`, with `extra_env` added to its environment.
Result<std::unique_ptr<ChildProcess>> StartAlembicBridge(const std::vector<std::string>& args,
                                                         const std::vector<std::string>& extra_env);

// The last few lines the bridge wrote on stderr, for an error message ("" when none).
std::string BridgeStderrTail(const ChildProcess& child);

}  // namespace strata

#endif  // STRATA_IMPORTER_ALEMBIC_BRIDGE_H_
