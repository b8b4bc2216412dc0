//! SQLite store (being written).
pub mod records;
/// Store errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Sqlite(String),
}
