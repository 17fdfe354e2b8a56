//! Project automation behind `cargo xtask` (alias in `.cargo/config.toml`). The library part
//! holds what tests drive directly: [`reproduce`], the whole study in one call, [`rules`], the
//! comparison of bridge-scoring rules, and [`fuzz`], the fuzz campaign over the readers of
//! untrusted files.
//!
//! ```no_run
//! // The study on the default model, two pairs, word translation only, 20 items per route.
//! use xtask::reproduce::{ReproduceOptions, plan, reproduce};
//! let mut opts = ReproduceOptions::new("target/repro".into());
//! opts.pairs = plan::pairs(Some(&["en-sw".to_string(), "id-tl".to_string()]))?;
//! opts.tasks = vec![cli::TaskArg::Bli];
//! opts.limit = Some(20);
//! let mut model = cli::OpenedModel::open(&cli::ModelOptions::default(), None)?;
//! let data = fetch::DataStore::from_env()?;
//! let ctx = neuron_probe::RunContext::from_env()?;
//! let results = reproduce(&mut model, &data, &ctx, &opts)?;
//! println!("{}", xtask::reproduce::render_summary(&results));
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod fuzz;
pub mod reproduce;
pub mod rules;
