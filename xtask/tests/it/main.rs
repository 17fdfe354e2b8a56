//! The integration tests of this crate, one binary (a module per former test file), so the
//! crate and its dependencies are linked once.

mod download;
mod fuzz;
mod report;
mod rules;
