//! One module per command, each with the same shape: `Args` (its clap flags) and `run` (parse,
//! call, print), the library function the binary and `cargo xtask reproduce` share (an option
//! struct in, a serialisable outcome out, stages through `neuron_probe::pipeline`), and a
//! `render_*` function for the terminal. The model is a type parameter, so every command runs
//! on the real runtime model and on neuron-probe's fake model alike.

pub mod bridge;
pub mod cache;
pub mod common;
pub mod eval;
pub mod generate;
pub mod languages;
pub mod models;
pub mod probe;
pub mod similarity;
pub mod stats;
