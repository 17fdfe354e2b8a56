//! `cargo xtask download`: make every manifest file present and verified in the data folder.

use anyhow::{Context, bail};
use fetch::{DataStore, Entry, FetchError, Source};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Only these datasets (e.g. `--only muse flores200`); default: all.
    #[arg(long, value_name = "NAME", num_args = 1..)]
    only: Vec<String>,
    /// Copy from this local mirror (same layout as the data folder) before trying upstream.
    #[arg(long, value_name = "DIR", env = fetch::ENV_DATA_MIRROR)]
    mirror: Option<PathBuf>,
    /// The data folder [default: ~/.cache/bridgex/data].
    #[arg(long, value_name = "DIR", env = fetch::ENV_DATA_DIR)]
    data_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = match args.data_dir {
        Some(d) => d,
        None => fetch::default_root()?,
    };
    let store = DataStore::new(root, args.mirror)?;
    let manifest = store.manifest();
    let known = manifest.datasets();
    for name in &args.only {
        if !known.contains(&name.as_str()) {
            bail!(
                "unknown dataset {name:?} in --only; known datasets: {}",
                known.join(", ")
            );
        }
    }
    let selected: Vec<&Entry> = manifest
        .entries()
        .iter()
        .filter(|e| args.only.is_empty() || args.only.contains(&e.dataset))
        .collect();

    // First a cheap pass (stamps spare re-hashing) to find what is missing.
    let mut todo = Vec::new();
    for e in &selected {
        if !store
            .is_verified(&e.path)
            .with_context(|| format!("checking {}", e.path))?
        {
            todo.push(*e);
        }
    }
    let root = store.root().display();
    if todo.is_empty() {
        println!(
            "all {} files present and verified in {root}, nothing to do",
            selected.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let bytes: u64 = todo.iter().map(|e| e.size).sum();
    match store.mirror() {
        Some(m) => println!(
            "fetching {} of {} files ({:.1} MB) into {root} from mirror {} (upstream as fallback)",
            todo.len(),
            selected.len(),
            bytes as f64 / 1e6,
            m.display()
        ),
        None => println!(
            "fetching {} of {} files ({:.1} MB) into {root} from upstream",
            todo.len(),
            selected.len(),
            bytes as f64 / 1e6
        ),
    }

    let bar = progress_bar(bytes);
    let (mut from_mirror, mut from_network, mut present) =
        (0usize, 0usize, selected.len() - todo.len());
    let mut failed: Vec<(&Entry, FetchError)> = Vec::new();
    let mut network_failures_in_a_row = 0;
    let mut skipped = 0usize;
    for e in &todo {
        bar.set_message(e.path.clone());
        // Each unreachable download can cost a connect timeout; stop trying after a few.
        if network_failures_in_a_row >= GIVE_UP_AFTER {
            skipped += 1;
            continue;
        }
        match store.ensure(&e.path) {
            Ok(done) => {
                network_failures_in_a_row = 0;
                match done.source {
                    Source::Mirror => from_mirror += 1,
                    Source::Network => from_network += 1,
                    // Fetched meanwhile by another process.
                    Source::Present => present += 1,
                }
            }
            Err(err) => {
                if matches!(err, FetchError::Unavailable { .. }) {
                    network_failures_in_a_row += 1;
                }
                // `suspend` also prints when the bar is hidden (not a terminal).
                bar.suspend(|| eprintln!("failed: {}", short(&err)));
                failed.push((e, err));
            }
        }
        bar.inc(e.size);
    }
    bar.finish_and_clear();

    println!(
        "fetched {} ({from_mirror} from mirror, {from_network} from upstream), {present} already \
         present, {} failed",
        files(from_mirror + from_network),
        failed.len() + skipped
    );
    if skipped > 0 {
        println!(
            "gave up on the network after {GIVE_UP_AFTER} failed downloads in a row; {skipped} \
             files were not tried"
        );
    }
    if failed.is_empty() {
        let freed = store.clear_upstream_cache()?;
        if freed > 0 {
            println!(
                "removed {:.1} MB of upstream downloads no longer needed",
                freed as f64 / 1e6
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mirror_only: Vec<&str> = failed
        .iter()
        .filter(|(_, err)| err.is_mirror_only())
        .map(|(e, _)| e.path.as_str())
        .collect();
    if !mirror_only.is_empty() {
        println!(
            "{} of the failed files are distributed only through data mirrors ({})",
            mirror_only.len(),
            summarize(&mirror_only),
        );
    }
    println!(
        "to copy files from a local data mirror, pass --mirror DIR or set {}=DIR, where DIR has \
         the data folder's layout (e.g. DIR/muse/full/en-de.txt)",
        fetch::ENV_DATA_MIRROR
    );
    Ok(ExitCode::FAILURE)
}

/// Consecutive network failures after which the remaining files are not tried.
const GIVE_UP_AFTER: usize = 3;

/// The error without the advice on mirrors, which the summary gives once.
fn short(err: &FetchError) -> String {
    match err {
        FetchError::Unavailable { path, source, .. } => format!("{path}: {source}"),
        FetchError::MirrorOnly { path, note, .. } => {
            format!("{path}: only distributed through data mirrors ({note})")
        }
        other => other.to_string(),
    }
}

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("[{bar:30}] {bytes}/{total_bytes} {wide_msg}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(style)
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

/// "a, b, c and 4 more"
fn summarize(items: &[&str]) -> String {
    const SHOW: usize = 3;
    let head = items[..items.len().min(SHOW)].join(", ");
    if items.len() > SHOW {
        format!("{head} and {} more", items.len() - SHOW)
    } else {
        head
    }
}
