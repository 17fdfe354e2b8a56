//! The integration tests of this crate, one binary (a module per former test file), so the
//! crate and its dependencies are linked once.

mod baseline;
mod prompts;
mod runner;
mod sacrebleu_flores;
mod sacrebleu_parity;
mod significance;
