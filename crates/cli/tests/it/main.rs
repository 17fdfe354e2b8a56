//! The integration tests of this crate, one binary (a module per former test file), so the
//! crate and its dependencies are linked once.

mod cli_args;
mod commands;
mod common;
mod interrupt;
mod reliability;
