//! `cargo xtask`: data download and experiment runs (being written).
fn main() {}
