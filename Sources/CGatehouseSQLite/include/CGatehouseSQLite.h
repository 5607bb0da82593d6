#ifndef CGATEHOUSE_SQLITE_H
#define CGATEHOUSE_SQLITE_H

#include <sqlite3.h>

/*
 * Typed shims over the system's libsqlite3 for GatehouseSQLite (the only importer of this module).
 *
 * SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot express: these
 * shims bind text and blobs with it, so SQLite copies the bytes before the call returns.
 */
static inline int gh_sqlite3_bind_text(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

static inline int gh_sqlite3_bind_blob(sqlite3_stmt *statement, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(statement, index, bytes, length, SQLITE_TRANSIENT);
}

#endif
