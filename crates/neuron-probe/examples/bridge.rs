//! The whole method for one pair on a real model; prints the bridge report as JSON.
//!
//! ```text
//! cargo run --release -p neuron-probe --example bridge -- MODEL SRC TRG [MAX_SENTENCES] [PROBE_SIZE] [MAX_CANDIDATES] [DEVICE]
//! cargo run --release -p neuron-probe --example bridge -- gemma-3-270m en de 200 100 400 cpu
//! ```
//! Artifacts go to `$BRIDGEX_ARTIFACTS_DIR` (or `~/.cache/bridgex/artifacts`), data comes through
//! `fetch` (`$BRIDGEX_DATA_MIRROR` offline).

use neuron_probe::{PipelineParams, bridge_for_pair};
use neuron_probe::{RunContext, RuntimeModel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err(
            "usage: bridge MODEL SRC TRG [MAX_SENTENCES] [PROBE_SIZE] [MAX_CANDIDATES] [DEVICE]"
                .into(),
        );
    }
    let arg = |i: usize| args.get(i).map(String::as_str);
    let mut params = PipelineParams::default();
    if let Some(n) = arg(3) {
        params.text.max_sentences = Some(n.parse()?);
    }
    if let Some(n) = arg(4) {
        params.probe.probe_size = n.parse()?;
    }
    if let Some(n) = arg(5) {
        params.probe.max_candidates = Some(n.parse()?);
    }
    let device = arg(6).unwrap_or("cpu");
    let started = std::time::Instant::now();
    let mut model = RuntimeModel::from_spec(&args[0], device, llm_runtime::Dtype::F32)?;
    let data = fetch::DataStore::from_env()?;
    let ctx = RunContext::from_env()?;
    let report = bridge_for_pair(&mut model, &data, &args[1], &args[2], &[], &params, &ctx)?.value;
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!(
        "chosen bridge for {}->{}: {:?} (ranking {:?}) in {:.1} s",
        report.source,
        report.target,
        report.chosen,
        report.ranking,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
