/* The floor for `current` on SQLite: the least a process can do to answer it. Opens the database
 * read-only, reads alembic_version, prints each row, exits. Links libsqlite3 and nothing else,
 * so its time is process start-up, dynamic loading of libc + libsqlite3, and one query.
 *
 * Build: cc -O2 -o floor_current floor_current.c -lsqlite3
 * Usage: floor_current PATH.db
 */
#include <sqlite3.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH.db\n", argv[0]);
    return 2;
  }
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fprintf(stderr, "floor_current: %s\n", db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return 4;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT version_num FROM alembic_version", -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "floor_current: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return 1;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    printf("%s\n", (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc == SQLITE_DONE ? 0 : 1;
}
