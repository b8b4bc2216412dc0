//! The flightdeck binary.
fn main() {}
