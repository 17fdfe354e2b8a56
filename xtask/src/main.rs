//! `cargo xtask`: project automation (alias in `.cargo/config.toml`).
//!
//! One module per subcommand; add a subcommand by adding its module and a variant of
//! [`Command`].

mod download;
mod manifest;
mod reproduce_cmd;
mod rules_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "BridgeX project automation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch the data files into the data folder, from a mirror or upstream, verified.
    Download(download::Args),
    /// Regenerate data/manifest.toml (sizes, sha256, provenance) from a data folder.
    Manifest(manifest::Args),
    /// The whole study: 15 pairs, bridge rankings, every task under every baseline, REPORT.md.
    Reproduce(Box<reproduce_cmd::Args>),
    /// Every bridge-scoring rule on the study's pairs: choices, bootstrap win rates, rules.md.
    Rules(Box<rules_cmd::Args>),
    /// A seeded fuzz campaign over the GGUF, safetensors, dictionary and JSON Lines readers.
    Fuzz(xtask::fuzz::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings by default; RUST_LOG overrides (reproduce shows progress bars instead). The fuzz
    // campaign's inputs are meant to be refused: their warnings would drown the report.
    if !matches!(cli.command, Command::Fuzz(_)) {
        cli::app::init_logging(0);
    }
    let result = match cli.command {
        Command::Download(args) => download::run(args),
        Command::Manifest(args) => manifest::run(args),
        Command::Reproduce(args) => reproduce_cmd::run(*args),
        Command::Rules(args) => rules_cmd::run(*args),
        Command::Fuzz(args) => xtask::fuzz::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
