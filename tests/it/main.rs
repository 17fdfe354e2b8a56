//! Tests of the workspace as a whole, one binary:
//! - [`cli_real_model`] and [`reproduce`]: end to end on the real default model (Gemma 3 270M)
//!   and the real data files (through the data store; CI points `BRIDGEX_DATA_MIRROR` at a
//!   local copy);
//! - [`architecture`]: the invariants ARCHITECTURE.md states (no module cycles, burn only in
//!   llm-runtime, nothing pointing outside the repository).

mod architecture;
mod cli_real_model;
mod reproduce;
