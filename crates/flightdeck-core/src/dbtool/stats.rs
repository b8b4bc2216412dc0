//! Per-table row counts and content checksums, the evidence that a restored copy holds what the
//! source held. A checksum is order independent: the sum of the first 64 bits of each row's hash
//! (MD5 of the row's text on `PostgreSQL`, computed by the server; SHA-256 of the row's values on
//! `SQLite`), as a decimal string. Two equal multisets of rows give equal checksums.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dbtool::error::{DbError, pg, sqlite};

/// One table's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableStat {
    /// Rows.
    pub rows: i64,
    /// Order-independent checksum of the rows.
    pub checksum: String,
}

/// Figures per table (`schema.table` on `PostgreSQL`, `table` on `SQLite`).
pub type Stats = BTreeMap<String, TableStat>;

/// The differences between `want` (the source) and `got` (the copy), one line each; empty when equal.
pub fn differences(want: &Stats, got: &Stats) -> Vec<String> {
    let mut out = Vec::new();
    for (t, w) in want {
        match got.get(t) {
            None => out.push(format!("table {t} is missing from the copy")),
            Some(g) if g.rows != w.rows => {
                out.push(format!("table {t}: {} rows in the copy, {} in the source", g.rows, w.rows));
            }
            Some(g) if g.checksum != w.checksum => {
                out.push(format!("table {t}: same {} rows but different content", g.rows));
            }
            Some(_) => {}
        }
    }
    out.extend(
        got.keys().filter(|t| !want.contains_key(*t)).map(|t| format!("table {t} is only in the copy")),
    );
    out
}

/// The figures of every table of a `SQLite` database (`sqlite_*` tables excluded).
pub fn sqlite_stats(conn: &Connection, path: &Path) -> Result<Stats, DbError> {
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .map_err(sqlite(path, "cannot list the tables"))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sqlite(path, "cannot list the tables"))?;
        rows.collect::<Result<_, _>>().map_err(sqlite(path, "cannot list the tables"))?
    };
    let mut out = Stats::new();
    for t in tables {
        out.insert(t.clone(), sqlite_table(conn, path, &t)?);
    }
    Ok(out)
}

fn sqlite_table(conn: &Connection, path: &Path, table: &str) -> Result<TableStat, DbError> {
    let what = format!("cannot read table {table}");
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))
        .map_err(sqlite(path, &what))?;
    let cols = stmt.column_count();
    let mut rows = stmt.query([]).map_err(sqlite(path, &what))?;
    let (mut n, mut sum) = (0i64, 0u128);
    while let Some(row) = rows.next().map_err(sqlite(path, &what))? {
        let mut h = Sha256::new();
        for i in 0..cols {
            match row.get_ref(i).map_err(sqlite(path, &what))? {
                ValueRef::Null => h.update(b"N"),
                ValueRef::Integer(v) => h.update(format!("I{v}")),
                ValueRef::Real(v) => h.update(format!("R{v}")),
                ValueRef::Text(v) => h.update([b"T".as_slice(), v].concat()),
                ValueRef::Blob(v) => h.update([b"B".as_slice(), v].concat()),
            }
            h.update([0u8]);
        }
        let d = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&d[..8]);
        sum = sum.wrapping_add(u128::from(u64::from_be_bytes(first)));
        n += 1;
    }
    Ok(TableStat { rows: n, checksum: sum.to_string() })
}

/// The figures of every ordinary table outside the system schemas, read in the transaction (and
/// so the snapshot) `client` is in.
pub async fn pg_stats(client: &tokio_postgres::Client, db: &str) -> Result<Stats, DbError> {
    let tables = client
        .query(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') \
             AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' \
             AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1",
            &[],
        )
        .await
        .map_err(pg(db, "cannot list the tables"))?;
    let mut out = Stats::new();
    for row in tables {
        let t: String = row.get(0);
        let sql = format!(
            "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint), 0)::text \
             FROM ONLY {t} t"
        );
        let r = client.query_one(&sql, &[]).await.map_err(pg(db, &format!("cannot read table {t}")))?;
        out.insert(t, TableStat { rows: r.get(0), checksum: r.get(1) });
    }
    Ok(out)
}
