//! parse (being written).
