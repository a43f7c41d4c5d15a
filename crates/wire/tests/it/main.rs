//! Integration tests of tresor-wire, one binary for the crate (DESIGN.md §10).

mod query;
mod sigv4;
