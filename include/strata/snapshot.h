// Schema snapshots (DESIGN §8): a normalised, deterministic description of every object a
// migration can change, read from a database's catalogs by its Driver (Driver::Snapshot), with a
// sha256 hash; and the differences between two snapshots.
//
// A snapshot is a list of objects, each keyed by kind ("table", "column", "index", ...) and
// qualified name ("public.users", "public.users.email"), each with a normalised definition: SQL
// text as the database itself prints it (pg_get_indexdef, SQLite's stored CREATE statement with
// formatting removed), never the text a person typed. Objects are sorted by (kind, name,
// definition) in byte order, so two databases with the same schema give the same snapshot, byte
// for byte, and the same hash. strata's own tables (the version table, strata_log) are never part
// of one. What each driver reads, and what it leaves out, is in docs/verify.md.
//
// Pure values and functions, no I/O; thread-safe.
#ifndef STRATA_SNAPSHOT_H_
#define STRATA_SNAPSHOT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct SchemaObject {
  std::string kind;        // "table", "column", "index", "constraint", "view", ...
  std::string name;        // qualified, identifiers quoted only where needed: public."Order".id
  std::string definition;  // normalised SQL

  friend bool operator==(const SchemaObject&, const SchemaObject&) = default;
};

struct SchemaSnapshot {
  std::string dialect;                // "sqlite" | "postgresql"
  std::vector<SchemaObject> objects;  // sorted by (kind, name, definition), byte order
  std::string hash;                   // SchemaHash(objects): 64 lowercase hex digits
};

// Sorts `objects` and computes their hash.
SchemaSnapshot MakeSnapshot(std::string dialect, std::vector<SchemaObject> objects);

// sha256 of the canonical serialisation of `sorted` (as MakeSnapshot sorts them): for each
// object in order, "<n>:<kind><n>:<name><n>:<definition>\n" where each <n> is the byte length
// of the field after it, in decimal. Length prefixes make the encoding unambiguous whatever the
// definitions contain. The PostgreSQL driver computes the same value on the server
// (src/driver/postgres/catalog_snapshot.cc) so that each step can record it in its own
// transaction: keep the two in step.
std::string SchemaHash(const std::vector<SchemaObject>& sorted);

// {"dialect": ..., "hash": ..., "objects": [{"kind", "name", "definition"}, ...]}, two-space
// indented, keys in that order; bytes that are not UTF-8 are replaced by U+FFFD.
std::string SnapshotJson(const SchemaSnapshot& snapshot);

// SQL-ish text for people and for diffing with ordinary tools: a header comment with the
// dialect, object count and hash, then per object a "-- <kind> <name>" line and its definition
// ending in ';'. Not meant to be run: columns, constraints and indexes are separate objects.
std::string SnapshotSql(const SchemaSnapshot& snapshot);

// One object that differs between two snapshots. `first` / `second` are its definitions in
// each (several joined by a newline when a snapshot holds more than one object under the key);
// nullopt where it is absent.
struct ObjectDifference {
  std::string kind;
  std::string name;
  std::optional<std::string> first;
  std::optional<std::string> second;
};

// The objects whose definitions differ, or that exist in only one snapshot, sorted by (kind,
// name). Empty when the schemas are the same.
std::vector<ObjectDifference> DiffSnapshots(const SchemaSnapshot& first,
                                            const SchemaSnapshot& second);

// One line naming the object and what differs, each side called by its label ("in the
// database", "after the downgrade"):
//   "column public.users.email: only <second>: ALTER TABLE public.users ADD COLUMN ..."
//   "index public.users_email: <first>: CREATE INDEX ...; <second>: CREATE UNIQUE INDEX ..."
// Definitions are put on one line and cut to `max_definition` bytes with "...".
std::string DescribeDifference(const ObjectDifference& difference, std::string_view first_label,
                               std::string_view second_label, size_t max_definition = 160);

// An identifier as snapshot names show it: bare when it is lowercase letters, digits, '_' and
// '$' not starting with a digit, else double-quoted with quotes doubled (as PostgreSQL's
// quote_ident, without its keyword list).
std::string SnapshotIdentifier(std::string_view name);

// The text of a statement normalised so that formatting does not count: comments removed and
// every run of blanks and comments outside quotes made one space, then no space after '(' or
// before '(', ')', ',' or ';', exactly one after ',' (unless ')' or ';' follows), none at either
// end: "CREATE TABLE t (a INT ,b  TEXT) -- x" gives "CREATE TABLE t(a INT, b TEXT)". Quoted
// strings and identifiers ('...', "...", `...`, [...]) are kept byte for byte; an unterminated one
// runs to the end. Any input is accepted; one pass, no recursion, and normalising the result
// again changes nothing. Used on SQLite's stored CREATE statements (sqlite_schema.sql).
std::string NormaliseSqlText(std::string_view sql);

}  // namespace strata

#endif  // STRATA_SNAPSHOT_H_
