//! What the commands take: values parsed from flags ([`values`]: language pairs, layer
//! windows, routes, the method's choices) and the flag groups the commands share
//! ([`groups`]: model, text, neuron sets, probe, output, global options), which
//! `cargo xtask reproduce` reuses too.

pub mod groups;
pub mod values;

pub use groups::{GlobalArgs, ModelArgs, OutArgs, ProbeArgs, SetArgs, SiteArgs, TextArgs};
pub use values::*;
