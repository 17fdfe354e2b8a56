//! A tiny HTTP/1.1 server on 127.0.0.1 for download tests: serves fixed bodies by path,
//! honours `Range: bytes=N-` (unless told not to), can cut the first response short, and
//! records every request. It handles at most `max_conns` connections, then its thread ends.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 206 for a satisfiable range, 416 past the end, 200 otherwise.
    Ranges,
    /// Like `Ranges`, but the first response announces the full length and sends only
    /// `n` bytes before closing the connection.
    CutFirstAfter(usize),
    /// Always 200 with the whole body, whatever the request asks.
    IgnoreRanges,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub range: Option<String>,
}

pub struct Server {
    pub base: String,
    pub log: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

pub fn serve(files: HashMap<String, Vec<u8>>, mode: Mode, max_conns: usize) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = Arc::clone(&log);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().take(max_conns).enumerate() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
            let mut range = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("range")
                {
                    range = Some(v.trim().to_owned());
                }
            }
            log2.lock().unwrap().push(Request {
                path: path.clone(),
                range: range.clone(),
            });

            let Some(body) = files.get(&path) else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let len = body.len();
            let start = match (mode, &range) {
                (Mode::IgnoreRanges, _) | (_, None) => None,
                (_, Some(r)) => r
                    .strip_prefix("bytes=")
                    .and_then(|r| r.strip_suffix('-'))
                    .and_then(|s| s.parse::<usize>().ok()),
            };
            let (head, slice) = match start {
                Some(s) if s >= len => (
                    format!(
                        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\n"
                    ),
                    &body[0..0],
                ),
                Some(s) => (
                    format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {s}-{}/{len}\r\nContent-Length: {}\r\n",
                        len - 1,
                        len - s
                    ),
                    &body[s..],
                ),
                None => (
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n"),
                    &body[..],
                ),
            };
            let slice = match mode {
                Mode::CutFirstAfter(cut) if n == 0 => &slice[..cut.min(slice.len())],
                _ => slice,
            };
            let _ = stream.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes());
            let _ = stream.write_all(slice);
            let _ = stream.flush();
        }
    });
    Server { base, log }
}

/// Deterministic, non-repeating test bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// sha256 computed with the `sha2` crate directly, independent of `fetch::sha256_file`.
pub fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The data mirror named by BRIDGEX_DATA_MIRROR; the tests that need it fail without it.
pub fn mirror() -> std::path::PathBuf {
    match std::env::var_os("BRIDGEX_DATA_MIRROR") {
        Some(m) if !m.is_empty() => std::path::PathBuf::from(m),
        _ => panic!(
            "BRIDGEX_DATA_MIRROR is not set. These tests check the manifest against the data \
             mirror; run them as BRIDGEX_DATA_MIRROR=/path/to/data cargo test -p fetch"
        ),
    }
}
