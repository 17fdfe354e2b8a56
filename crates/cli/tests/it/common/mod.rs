//! A synthetic world for the command tests: neuron-probe's fake model, built so that `pt` is
//! the bridge of en→sw, with small statistics and probe settings.
#![allow(dead_code)]

use std::path::Path;

use neuron_probe::testkit::{FixtureInputs, Scenario, ScenarioSize};
use neuron_probe::{ArtifactStore, ProbeParams, RunContext, SetMethod, StatsParams, Threshold};

pub const CANDIDATES: [&str; 3] = ["de", "pt", "es"];

pub fn world() -> (Scenario, FixtureInputs) {
    let sc =
        Scenario::new("en", "sw", "pt", &CANDIDATES, ScenarioSize::default()).expect("scenario");
    let inputs = FixtureInputs::from_scenario(&sc);
    (sc, inputs)
}

pub fn ctx(dir: &Path) -> RunContext {
    RunContext::new(ArtifactStore::new(dir.join("artifacts"))).quiet()
}

pub fn stats_params() -> StatsParams {
    StatsParams {
        window_tokens: 64,
        ..StatsParams::default()
    }
}

pub fn probe_params() -> ProbeParams {
    ProbeParams {
        probe_size: 40,
        min_survivors: 20,
        ..ProbeParams::default()
    }
}

/// 10 % of the fake model's 48 neurons per layer, so that every group can enter a set.
pub fn sets() -> SetMethod {
    SetMethod::TopRate {
        top_rate: 0.1,
        threshold: Threshold::Quantile,
    }
}

/// Width and height from a PNG header, after checking the whole image decodes.
pub fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: undecodable: {e}", path.display()));
    // Not a blank canvas: a figure has more than one colour.
    let px = &buf[..info.buffer_size()];
    let first = &px[..3];
    assert!(
        px.chunks(3).any(|p| p != first),
        "{}: the image is a single colour",
        path.display()
    );
    (info.width, info.height)
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
