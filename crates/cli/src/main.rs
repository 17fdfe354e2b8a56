//! `bridgex`: the BridgeX command line. Parses the flags and hands each command to its module
//! in the `cli` library (`cli::commands::<name>::run`), which does the rest.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cli::app::{AppEnv, init_logging};
use cli::args::GlobalArgs;
use cli::commands::{bridge, cache, eval, generate, languages, models, probe, similarity, stats};

const ABOUT: &str = "Find the best bridge language for cross-lingual in-context learning from a \
language model's own neurons (BridgeX-ICL, EMNLP 2025), and use it in prompts.";

#[derive(Parser, Debug)]
#[command(
    name = "bridgex",
    version = env!("BRIDGEX_VERSION_LINE"),
    about = ABOUT,
    after_help = cli::app::environment_help()
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Rank the candidate bridges of a language pair: table, JSON and a per-layer plot
    Bridge(bridge::Args),
    /// Overlap-count and cosine similarity of language neuron sets: tables, heat maps, JSON, CSV
    Similarity(similarity::Args),
    /// Compute (or load) the FLORES-200 neuron statistics of languages and summarise them
    Stats(stats::Args),
    /// Compute (or load) the dictionary probe of a pair and summarise it
    Probe(probe::Args),
    /// Generate greedily from prompts (JSON adds token ids and top-k logits per step)
    Generate(generate::Args),
    /// Run a downstream task directly or through bridge languages and score it
    Eval(eval::Args),
    /// List the languages the tool knows
    Languages(languages::Args),
    /// List the named models (cached or not; --fetch NAME fetches one), supported formats and
    /// architectures, and what is cached
    Models(models::Args),
    /// List what is cached (artifacts, checkpoints, models) and clear it
    Cache(cache::Args),
    /// Print a shell completion script (e.g. `bridgex completions bash > ~/.local/share/bash-completion/completions/bridgex`)
    Completions(CompletionsArgs),
}

#[derive(clap::Args, Debug)]
struct CompletionsArgs {
    /// The shell
    shell: clap_complete::Shell,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let env = AppEnv::new(&cli.global);
    AppEnv::set_threads(cli.global.threads)?;
    match cli.command {
        Command::Bridge(a) => bridge::run(a, &env),
        Command::Similarity(a) => similarity::run(a, &env),
        Command::Stats(a) => stats::run(a, &env),
        Command::Probe(a) => probe::run(a, &env),
        Command::Generate(a) => generate::run(a, &env),
        Command::Eval(a) => eval::run(a, &env),
        Command::Languages(a) => languages::run(a, &env),
        Command::Models(a) => models::run(a, &env),
        Command::Cache(a) => cache::run(a, &env),
        Command::Completions(a) => {
            use clap::CommandFactory;
            clap_complete::generate(
                a.shell,
                &mut Cli::command(),
                "bridgex",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

/// Exit status of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
const INTERRUPTED: i32 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    // Everything finished is on disk already (artifacts, checkpoints, per-item results): say so.
    let _ = ctrlc::set_handler(|| {
        eprintln!("\ninterrupted: finished work is saved; run the same command again to resume");
        std::process::exit(INTERRUPTED);
    });
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
