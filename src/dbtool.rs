//! dbtool (being written).
