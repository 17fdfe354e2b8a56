//! Writing result files atomically (through `fetch::write_atomic`: a temp file in the
//! destination directory, renamed into place), so a reader never sees half a JSON document or
//! half a PNG.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

/// Create `dir` (and parents) and check that files can be written there, with a message naming
/// it: commands call this before any work, so a bad `--out` costs nothing.
pub fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    let fail = || {
        format!(
            "{} cannot hold the output files (choose another directory with --out)",
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).with_context(fail)?;
    let check = tempfile::Builder::new()
        .prefix(fetch::TEMP_PREFIX)
        .tempfile_in(dir)
        .with_context(fail)?;
    drop(check);
    Ok(())
}

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fetch::write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Pretty JSON, atomically, with a final newline.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .with_context(|| format!("serialising {}", path.display()))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Produce a file through a writer that needs a path (the plotting backends), atomically.
pub fn write_via_temp_path(
    path: &Path,
    write: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    fetch::write_atomic_with(path, |tmp| {
        write(tmp).with_context(|| format!("drawing {}", path.display()))
    })
}

/// Print `text` on standard output; a closed pipe (`| head`) is not an error of the command.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })
        .context("writing to standard output")
}

/// Print an outcome in the chosen format: the terminal rendering, or its JSON document.
pub fn print_outcome<T: Serialize>(
    format: crate::args::OutputFormat,
    outcome: &T,
    render: impl FnOnce(&T) -> String,
) -> anyhow::Result<()> {
    match format {
        crate::args::OutputFormat::Table => print_stdout(&render(outcome)),
        crate::args::OutputFormat::Json => print_stdout(&json_text(outcome)?),
    }
}

/// Pretty JSON with a final newline.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}
