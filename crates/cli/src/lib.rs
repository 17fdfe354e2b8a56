//! The application layer of the `bridgex` command line: every command as a function taking
//! an option struct and returning a serialisable outcome, so that the binary (`src/main.rs`,
//! a thin clap front) and `cargo xtask reproduce` share one implementation.
//!
//! | command | function | options | outcome |
//! |---|---|---|---|
//! | `bridge` | [`bridge`] | [`BridgeOptions`] | [`BridgeOutcome`] (+ [`render_bridge`]) |
//! | `similarity` | [`similarity_command`] | [`SimilarityOptions`] | [`SimilarityOutcome`] |
//! | `stats` | [`stats_command`] | [`StatsOptions`] | [`StatsOutcome`] |
//! | `probe` | [`probe_command`] | [`ProbeOptions`] | [`ProbeOutcome`] |
//! | `eval` | [`eval_command`] | [`EvalOptions`] | [`EvalOutcome`] |
//! | `generate` | [`generate_command`] | [`GenerateCommandOptions`] | [`GenerateOutcome`] |
//! | `languages`, `models` | [`languages`], [`models`] | — | rows / [`ModelsInfo`] |
//!
//! Commands parse, call `neuron_probe::pipeline` (the one place that chains the stages),
//! render and write. The model is a type parameter ([`AppModel`], a `neuron_probe::NeuronModel`
//! that can say whether its weights were loaded): the real one is [`OpenedModel`], which
//! resolves a spec at once and loads the weights only when a stage has to run, so a fully
//! cached run never loads them; tests use neuron-probe's `testkit::FakeModel` (feature
//! `testkit`). Data come through `neuron_probe::Inputs`: the data store (`fetch::DataStore`) or
//! an in-memory `testkit::FixtureInputs`. [`ModelGenerator`] adapts any model
//! to `xicl_eval::Generator` for the downstream tasks. Files are written atomically; figures
//! come from [`plot`] and terminal tables from [`table`].
//!
//! ```rust
//! use cli::{BridgeOptions, bridge, render_bridge};
//! use neuron_probe::testkit::{FixtureInputs, Scenario, ScenarioSize};
//! use neuron_probe::{ArtifactStore, ProbeParams, RunContext, SetMethod, StatsParams, Threshold};
//!
//! // A synthetic world whose construction makes "pt" the bridge of en→sw.
//! let world = Scenario::new("en", "sw", "pt", &["de", "pt", "es"], ScenarioSize::default())?;
//! let mut model = world.model.clone();
//! let inputs = FixtureInputs::from_scenario(&world);
//! let dir = tempfile::tempdir()?;
//! let ctx = RunContext::new(ArtifactStore::new(dir.path().join("artifacts"))).quiet();
//!
//! let mut opts = BridgeOptions::new("en-sw".parse()?);
//! opts.candidates = vec!["de".into(), "pt".into(), "es".into()];
//! opts.params.stats = StatsParams { window_tokens: 64, ..StatsParams::default() };
//! opts.params.probe = ProbeParams { probe_size: 40, min_survivors: 20, ..ProbeParams::default() };
//! opts.params.bridge.sets = SetMethod::TopRate { top_rate: 0.1, threshold: Threshold::Quantile };
//! opts.out_dir = Some(dir.path().join("out"));
//!
//! let outcome = bridge(&mut model, &inputs, &ctx, &opts)?;
//! assert_eq!(outcome.report.chosen.as_deref(), Some("pt"));
//! assert!(render_bridge(&outcome.report).contains("Chosen bridge"));
//! assert!(dir.path().join("out/bridge-en-sw.json").is_file());
//! assert!(dir.path().join("out/bridge-en-sw-layers.png").is_file());
//! // Both stages were computed this time; a second run takes them from the artifacts.
//! assert_eq!(outcome.run.stats.computed.len(), 5);
//! let again = bridge(&mut model, &inputs, &ctx, &opts)?;
//! assert_eq!(again.run.stats.cached.len(), 5);
//! assert_eq!(again.run.probe.cached, vec!["en-sw".to_string()]);
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod app;
pub mod args;
pub mod commands;
pub mod error;
pub mod generator;
pub mod model;
pub mod output;
pub mod plot;
pub mod summary;
pub mod table;

pub use app::{AppEnv, AppModel};
pub use args::{LanguagePair, LayerRange, OutputFormat, RouteArg, ScoringArg, TaskArg};
pub use commands::bridge::{
    BRIDGE_FORMAT, BridgeOptions, BridgeOutcome, bridge, layer_figure, render_bridge,
    write_bridge_files,
};
pub use commands::eval::{EvalOptions, EvalOutcome, eval_command, render_eval, task_coverage};
pub use commands::generate::{
    GenerateCommandOptions, GenerateOutcome, PromptResult, generate_command, render_generate,
};
pub use commands::languages::{LanguageRow, languages, render_languages};
pub use commands::models::{ModelsInfo, NamedModelInfo, models, render_models};
pub use commands::probe::{ProbeOptions, ProbeOutcome, probe_command, render_probe};
pub use commands::similarity::{
    SimilarityOptions, SimilarityOutcome, render_similarity, similarity_command,
    write_similarity_files,
};
pub use commands::stats::{StatsOptions, StatsOutcome, render_stats, stats_command};
pub use error::ArgError;
pub use generator::ModelGenerator;
pub use model::{ModelOptions, OpenedModel};
pub use plot::PlotFormats;
pub use summary::RunInfo;
