//! Consistent snapshots of the live database with `VACUUM INTO`: readers and writers go on
//! while it runs, and the copy is a complete, compacted database file.

use std::path::Path;

use rusqlite::Connection;

use crate::http::error::ApiError;

/// Writes a snapshot of the database behind `conn` to `target`, which must not exist.
pub fn snapshot(conn: &Connection, target: &Path) -> Result<(), ApiError> {
    if target.exists() {
        return Err(ApiError::invalid(
            "file",
            format!(
                "{} already exists: choose a new file name",
                target.display()
            ),
        ));
    }
    let target = target
        .to_str()
        .ok_or_else(|| ApiError::invalid("file", "must be a UTF-8 path"))?;
    conn.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

/// `PRAGMA integrity_check` of a database file; `Ok` when it answers `ok`.
pub fn check_integrity(path: &Path) -> Result<(), String> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if result == "ok" { Ok(()) } else { Err(result) }
}
