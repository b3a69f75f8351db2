// RAII owners for libpq's C handles, so that every path (including early returns on errors)
// frees connections, results and cancel objects exactly once; and reading a result's cells.
//
// Thread-safety: as libpq's. A PGconn must not be used from two threads at once; a PGcancel may
// be used from any thread (PQcancel is thread-safe) while its connection is busy elsewhere.
#ifndef STRATA_DRIVER_POSTGRES_PG_HANDLES_H_
#define STRATA_DRIVER_POSTGRES_PG_HANDLES_H_

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace strata::pg {

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
struct CancelDeleter {
  void operator()(PGcancel* cancel) const { PQfreeCancel(cancel); }
};

using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;
using CancelPtr = std::unique_ptr<PGcancel, CancelDeleter>;

// A result cell's text; "" for NULL.
inline std::string CellText(const PGresult* r, int row, int col) {
  return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_PG_HANDLES_H_
