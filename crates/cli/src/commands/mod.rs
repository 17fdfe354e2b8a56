//! The commands, each a function taking an option struct and returning a serialisable outcome
//! (with a `render_*` function for the terminal). The model is a type parameter, so every
//! command runs on the real runtime model and on neuron-probe's fake model alike.

pub mod bridge;
pub mod common;
pub mod eval;
pub mod generate;
pub mod info;
pub mod probe;
pub mod similarity;
pub mod stats;
