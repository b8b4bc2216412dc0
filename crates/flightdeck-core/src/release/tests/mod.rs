//! Tests of the release module on temporary git repositories built with fixed dates.

mod changelog;
mod files;
mod repo;
mod table;
