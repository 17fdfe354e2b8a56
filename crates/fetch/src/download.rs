//! HTTP download with resume (`Range` on a `.part` file), progress bar, sha256 check and
//! atomic rename.

use crate::FetchError;
use crate::fsutil::{FileLock, create_parent, hidden_sibling, remove_if_exists};
use crate::hash::{hash_reader, sha256_file, stamp_matches, write_stamp};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use std::cell::OnceCell;
use std::fs::{self, File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

/// Files smaller than this download without a progress bar.
const BAR_MIN_BYTES: u64 = 8 << 20;
/// Consecutive failed attempts that still received bytes before giving up.
const MAX_RESUMES: u32 = 5;

static AGENT: LazyLock<ureq::Agent> = LazyLock::new(|| {
    ureq::Agent::config_builder()
        // Status codes are handled here: 206 resumes, 416 means "nothing left to send".
        .http_status_as_error(false)
        // Compressed transfer would make byte ranges refer to the compressed stream.
        .accept_encoding("identity")
        .user_agent(concat!("bridgex-fetch/", env!("CARGO_PKG_VERSION")))
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        // Trust the operating system's certificate store (honouring SSL_CERT_FILE/SSL_CERT_DIR),
        // not only ureq's bundled roots: corporate and sandbox proxies re-sign TLS with a
        // locally installed root, and pip/curl work there, so must we.
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
});

/// Download `url` to `dest` unless `dest` is already there and verified.
///
/// * Bytes go to a hidden `.NAME.part` file next to `dest`; an interrupted download resumes
///   from it with an HTTP `Range` request, also across runs.
/// * With `sha256`, the result is checked; a mismatch removes the bad bytes and downloads
///   once more from scratch, then fails with [`FetchError::ChecksumMismatch`]. With `size`,
///   the length is checked too.
/// * The finished file is moved into place atomically, and a hidden `.NAME.verified` stamp
///   records the check, so that a later call trusts an unchanged file without re-hashing.
/// * A progress bar labelled `label` shows on a terminal for files of 8 MiB or more.
/// * Concurrent callers (threads or processes) for the same `dest` are serialised.
pub fn download_verified(
    url: &str,
    dest: &Path,
    sha256: Option<&str>,
    size: Option<u64>,
    label: &str,
) -> Result<(), FetchError> {
    let stamp = hidden_sibling(dest, "verified");
    if present_and_valid(dest, &stamp, sha256, size)? {
        return Ok(());
    }
    let _lock = FileLock::acquire(hidden_sibling(dest, "lock"))?;
    // Another process may have finished while we waited for the lock.
    if present_and_valid(dest, &stamp, sha256, size)? {
        return Ok(());
    }
    remove_if_exists(dest)?;
    remove_if_exists(&stamp)?;
    let mut first_error = None;
    for _ in 0..2 {
        match fetch_url_to(url, dest, sha256, size, label) {
            Ok(actual) => {
                if sha256.is_some() {
                    write_stamp(&stamp, dest, &actual)?;
                }
                return Ok(());
            }
            Err(e) if e.is_checksum_mismatch() && first_error.is_none() => {
                tracing::warn!("{e}; downloading {url} again");
                first_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(first_error.unwrap_or_else(|| FetchError::Network {
        url: url.to_owned(),
        reason: "gave up".into(),
    }))
}

/// Whether an existing `dest` can be kept; a file with the wrong bytes is removed.
fn present_and_valid(
    dest: &Path,
    stamp: &Path,
    sha256: Option<&str>,
    size: Option<u64>,
) -> Result<bool, FetchError> {
    let meta = match fs::metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(FetchError::io("cannot stat", dest, e)),
    };
    if size.is_some_and(|s| s != meta.len()) {
        tracing::warn!(
            "{}: {} bytes, expected {size:?}; replacing it",
            dest.display(),
            meta.len()
        );
        return Ok(false);
    }
    let Some(want) = sha256 else { return Ok(true) };
    if stamp_matches(stamp, dest, want) {
        return Ok(true);
    }
    let got = sha256_file(dest)?;
    if got == want {
        write_stamp(stamp, dest, want)?;
        Ok(true)
    } else {
        tracing::warn!(
            "{}: sha256 {got}, expected {want}; replacing it",
            dest.display()
        );
        remove_if_exists(dest)?;
        Ok(false)
    }
}

/// One download of `url` into `dest` through `.NAME.part`, resuming what is already there.
/// Verifies `sha256`/`size` when given (removing the part on mismatch) and returns the sha256.
/// The caller must hold the lock for `dest`.
pub(crate) fn fetch_url_to(
    url: &str,
    dest: &Path,
    sha256: Option<&str>,
    size: Option<u64>,
    label: &str,
) -> Result<String, FetchError> {
    let part = hidden_sibling(dest, "part");
    let bar = Bar::new(label, size);
    let mut resumes = 0;
    loop {
        let have = fs::metadata(&part).map_or(0, |m| m.len());
        if size.is_some_and(|s| have > s) {
            remove_if_exists(&part)?;
            continue;
        }
        if have > 0 && size == Some(have) {
            break;
        }
        match get_into(url, &part, have, &bar) {
            Ok(Step::Done) => break,
            Ok(Step::Restart) if resumes < MAX_RESUMES => resumes += 1,
            Ok(Step::Restart) => {
                bar.abandon();
                return Err(FetchError::Network {
                    url: url.to_owned(),
                    reason: "the server keeps refusing byte ranges".into(),
                });
            }
            // Keep what arrived and ask for the rest, as long as each try makes progress.
            Err(Attempt { error, received }) if received > 0 && resumes < MAX_RESUMES => {
                resumes += 1;
                tracing::warn!("{error}; resuming");
            }
            Err(Attempt { error, .. }) => {
                bar.abandon();
                return Err(error);
            }
        }
    }
    bar.finish();

    let mut file = File::open(&part).map_err(|e| FetchError::io("cannot open", &part, e))?;
    let mut hasher = Sha256::new();
    let got_size =
        hash_reader(&mut file, &mut hasher).map_err(|e| FetchError::io("cannot read", &part, e))?;
    let got = hex::encode(hasher.finalize());
    let size_ok = size.is_none_or(|s| s == got_size);
    if !size_ok || sha256.is_some_and(|want| want != got) {
        remove_if_exists(&part)?;
        return Err(FetchError::ChecksumMismatch {
            what: url.to_owned(),
            expected: sha256.unwrap_or("(any)").to_owned(),
            actual: got,
            expected_size: size,
            actual_size: got_size,
        });
    }
    file.sync_all()
        .map_err(|e| FetchError::io("cannot sync", &part, e))?;
    drop(file);
    fs::rename(&part, dest).map_err(|e| FetchError::io("cannot rename into", dest, e))?;
    Ok(got)
}

enum Step {
    Done,
    /// The part file was discarded; ask again from byte 0.
    Restart,
}

struct Attempt {
    error: FetchError,
    received: u64,
}

/// One HTTP request for the bytes of `url` from offset `have` on, appended to `part`.
fn get_into(url: &str, part: &Path, have: u64, bar: &Bar) -> Result<Step, Attempt> {
    let fail = |reason: String, received| Attempt {
        error: FetchError::Network {
            url: url.to_owned(),
            reason,
        },
        received,
    };
    let mut req = AGENT.get(url);
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let mut resp = req.call().map_err(|e| fail(e.to_string(), 0))?;
    let status = resp.status().as_u16();
    let content_range = resp
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let offset = match status {
        206 if have > 0 => {
            // Only append if the server resumes exactly where the part ends.
            let expect = format!("bytes {have}-");
            if !content_range
                .as_deref()
                .is_some_and(|r| r.starts_with(&expect))
            {
                return Err(fail(
                    format!("asked for bytes {have}- but got Content-Range {content_range:?}"),
                    0,
                ));
            }
            have
        }
        200 => 0, // a full body: the server ignored the range, or none was asked
        416 if have > 0 => {
            // Nothing past `have`: the part is complete if the server's total says so.
            let total = content_range
                .as_deref()
                .and_then(|r| r.strip_prefix("bytes */"));
            if total.and_then(|t| t.trim().parse::<u64>().ok()) == Some(have) {
                return Ok(Step::Done);
            }
            remove_if_exists(part).map_err(|e| Attempt {
                error: e,
                received: 0,
            })?;
            return Ok(Step::Restart);
        }
        _ => return Err(fail(format!("HTTP status {status}"), 0)),
    };
    let total = resp.body().content_length().map(|n| n + offset);
    bar.start(total, offset);

    let io_fail = |action, e| Attempt {
        error: FetchError::io(action, part, e),
        received: 0,
    };
    // Folders are made only once there is something to put in them.
    create_parent(part).map_err(|error| Attempt { error, received: 0 })?;
    let mut out = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(offset == 0)
        .append(offset > 0)
        .open(part)
        .map_err(|e| io_fail("cannot open", e))?;
    let mut reader = resp.body_mut().as_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut received = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = out.flush();
                return Err(fail(
                    format!("connection broke after {received} bytes: {e}"),
                    received,
                ));
            }
        };
        out.write_all(&buf[..n])
            .map_err(|e| io_fail("cannot write", e))?;
        received += n as u64;
        bar.inc(n as u64);
    }
    out.flush().map_err(|e| io_fail("cannot write", e))?;
    Ok(Step::Done)
}

/// A progress bar that appears only on a terminal and for large files.
struct Bar {
    bar: OnceCell<ProgressBar>,
    label: String,
    size: Option<u64>,
}

impl Bar {
    fn new(label: &str, size: Option<u64>) -> Bar {
        Bar {
            bar: OnceCell::new(),
            label: label.to_owned(),
            size,
        }
    }

    /// Called when a response arrives; `total` is the full size if the server told it.
    fn start(&self, total: Option<u64>, pos: u64) {
        let Some(total) = self.size.or(total).filter(|&t| t >= BAR_MIN_BYTES) else {
            return;
        };
        let bar = self.bar.get_or_init(|| {
            let target = if std::io::stderr().is_terminal() {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            };
            let style = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::with_draw_target(Some(total), target)
                .with_style(style)
                .with_message(self.label.clone())
        });
        bar.set_position(pos);
    }

    fn inc(&self, n: u64) {
        if let Some(b) = self.bar.get() {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.get() {
            b.finish_and_clear();
        }
    }

    fn abandon(&self) {
        if let Some(b) = self.bar.get() {
            b.abandon();
        }
    }
}
