// The SQL that reads a PostgreSQL schema snapshot (snapshot.h) from the catalogs: one statement
// of a dozen set-based parts (schemas, extensions, tables, columns, constraints, indexes,
// sequences, views, functions, triggers, types, policies) joined with UNION ALL, each definition
// printed by the server itself (pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef,
// pg_get_functiondef, pg_get_triggerdef, format_type, pg_get_expr), never one query per object.
//
// The statements expect, in their transaction:
//   - search_path = pg_catalog (SET LOCAL), so that the pg_get_* functions qualify every name
//     outside pg_catalog with its schema, whatever the session's search_path: the same schema
//     reads the same in every database;
//   - the settings made by SnapshotSettingsSql: which relations are strata's own (left out with
//     everything on them) and the version schema (whose schema object is left out).
// Objects that belong to extensions, and the pg_*/information_schema schemas, are left out.
// Needs PostgreSQL 12 or later (pg_attribute.attgenerated, pg_proc.prokind).
//
// Pure text; thread-safe.
#ifndef STRATA_DRIVER_POSTGRES_CATALOG_SNAPSHOT_H_
#define STRATA_DRIVER_POSTGRES_CATALOG_SNAPSHOT_H_

#include <string>

namespace strata::pg {

// One row, one column: the catalogs the snapshot statements read that the session's role may
// not SELECT from, comma-separated ('' when it may read them all: the default, since the
// catalogs are readable by PUBLIC).
const std::string& UnreadableCatalogsSql();

// Sets the transaction-local settings the snapshot statements read. Parameters: $1 the version
// table, $2 strata_log (quoted, schema-qualified when version_schema is set: resolved through
// the search_path in effect, so run it before search_path changes), $3 version_schema ('' when
// unset).
const std::string& SnapshotSettingsSql();

// Every object as rows (kind, name, definition), definition never NULL; unordered.
const std::string& SnapshotObjectsSql();

// One row, one column: SchemaHash (snapshot.h) of the same objects, computed by the server (for
// the strata_log row of a step, inside its transaction). As a scalar subquery it may stand
// anywhere an expression may.
const std::string& SnapshotHashSql();

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_CATALOG_SNAPSHOT_H_
