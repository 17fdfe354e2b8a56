//! The `bridgex` binary's front: help, the commands that need no model, and clear errors for
//! bad arguments (checked before any model or data is touched).

use std::process::{Command, Output};

fn bridgex(args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("bridgex-cli-args-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_bridgex"))
        .args(args)
        // Keep the tests away from the user's caches; nothing here may download.
        .env("BRIDGEX_DATA_DIR", dir.join("data"))
        .env("BRIDGEX_ARTIFACTS_DIR", dir.join("artifacts"))
        .env("BRIDGEX_MODEL_DIR", dir.join("models"))
        .env_remove("BRIDGEX_GEMMA_GGUF")
        .env_remove("BRIDGEX_QWEN_GGUF")
        .env_remove("RUST_LOG")
        .output()
        .expect("run bridgex")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn help_lists_every_command_and_option() {
    let o = bridgex(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for cmd in [
        "bridge",
        "similarity",
        "stats",
        "probe",
        "generate",
        "eval",
        "languages",
        "models",
    ] {
        assert!(text.contains(cmd), "--help lacks {cmd}:\n{text}");
    }
    let o = bridgex(&["bridge", "--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for flag in [
        "--pair",
        "--model",
        "--device",
        "--dtype",
        "--candidates",
        "--layer-window",
        "--bridge-set",
        "--hsic",
        "--sets",
        "--top-rate",
        "--probe-size",
        "--min-understood",
        "--no-filter",
        "--seed",
        "--window-tokens",
        "--max-sentences",
        "--format",
        "--out",
    ] {
        assert!(text.contains(flag), "bridge --help lacks {flag}:\n{text}");
    }
    assert!(text.contains("[default: 500]"));
    let o = bridgex(&["generate", "--help"]);
    let text = stdout(&o);
    for flag in [
        "--prompt",
        "--prompts-file",
        "--max-new-tokens",
        "--stop",
        "--top-k",
    ] {
        assert!(text.contains(flag), "generate --help lacks {flag}");
    }
    let o = bridgex(&["eval", "--help"]);
    let text = stdout(&o);
    for v in [
        "bli", "mt", "xcopa", "sib", "belebele", "--route", "--limit",
    ] {
        assert!(text.contains(v), "eval --help lacks {v}");
    }
}

#[test]
fn languages_prints_the_registry() {
    let o = bridgex(&["languages"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("swh_Latn") && text.contains("kiswahili"));
    let o = bridgex(&["languages", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), langs::all().len());
    assert_eq!(rows[0]["code"], "en");
}

#[test]
fn models_prints_without_a_model() {
    let o = bridgex(&["models"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("gemma-3-270m") && text.contains("not cached yet"),
        "{text}"
    );
    // The table: name, family, size, sha256 prefix, cached, path, for both named models.
    for want in [
        "gemma-3-270m (default)",
        "qwen2.5-coder-0.5b",
        "qwen2",
        "468.6 MiB",
        "1d9614638d18…",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "BRIDGEX_QWEN_WHEEL_DIR",
    ] {
        assert!(text.contains(want), "`{want}` missing:\n{text}");
    }
    let o = bridgex(&["models", "--format", "json"]);
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let named = info["named_models"].as_array().unwrap();
    assert_eq!(named.len(), 2);
    assert_eq!(named[0]["name"], "gemma-3-270m");
    assert_eq!(
        named[0]["sha256"],
        "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    );
    assert_eq!(named[1]["name"], "qwen2.5-coder-0.5b");
    assert_eq!(
        named[1]["sha256"],
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    );
    assert_eq!(named[1]["bytes"], 491_400_064);
    assert_eq!(named[1]["cached"], false);
}

#[test]
fn models_fetch_names_its_model_and_its_errors() {
    // An unknown name is refused with the list of names.
    let o = bridgex(&["models", "--fetch", "qwen-7b"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gemma-3-270m, qwen2.5-coder-0.5b"),
        "{}",
        stderr(&o)
    );
    // $BRIDGEX_QWEN_GGUF names a copy, checked before use (no network): a wrong file is
    // refused naming the variable, the file and the sizes; nothing goes into the cache.
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let copy = dir.path().join("my-qwen.gguf");
    std::fs::write(&copy, b"GGUF not really").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bridgex"))
        .args(["models", "--fetch", "qwen2.5-coder-0.5b"])
        .env("BRIDGEX_MODEL_DIR", &models)
        .env("BRIDGEX_QWEN_GGUF", &copy)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("fetching qwen2.5-coder-0.5b")
            && err.contains("$BRIDGEX_QWEN_GGUF")
            && err.contains("my-qwen.gguf")
            && err.contains("15 bytes, expected 491400064"),
        "{err}"
    );
    assert!(!models.exists(), "{err}");
    // The same variable makes the listing point at that file.
    let o = Command::new(env!("CARGO_BIN_EXE_bridgex"))
        .args(["models", "--format", "json"])
        .env("BRIDGEX_MODEL_DIR", &models)
        .env("BRIDGEX_QWEN_GGUF", &copy)
        .env_remove("BRIDGEX_GEMMA_GGUF")
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["named_models"][1]["state"], "override");
    assert_eq!(
        info["named_models"][1]["path"],
        copy.display().to_string().as_str()
    );
    assert_eq!(info["named_models"][0]["state"], "missing");
}

/// Usage errors exit with 2 and say what was expected.
fn usage_error(args: &[&str], expect: &str) {
    let o = bridgex(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(expect),
        "{args:?}: expected `{expect}` in:\n{err}"
    );
}

#[test]
fn bad_arguments_are_explained() {
    usage_error(&["bridge", "--pair", "en"], "expected SRC-TGT");
    usage_error(&["bridge", "--pair", "en-xx"], "unknown language code");
    usage_error(&["bridge", "--pair", "en-en"], "two different languages");
    usage_error(
        &["bridge", "--pair", "en-sw", "--layer-window", "9-3"],
        "FIRST <= LAST",
    );
    usage_error(
        &["bridge", "--pair", "en-sw", "--hsic", "fast"],
        "reference",
    );
    usage_error(&["bridge"], "--pair <SRC-TGT>");
    usage_error(&["stats"], "--lang <CODES>");
    usage_error(&["similarity", "--langs", "en,qq"], "nearest known codes");
    usage_error(
        &[
            "eval", "--pair", "en-sw", "--task", "bli", "--route", "via:en",
        ],
        "expected `direct` or `bridge:XX`",
    );
    usage_error(&["eval", "--pair", "en-sw", "--task", "quiz"], "belebele");
    usage_error(&["frobnicate"], "unrecognized subcommand");
}

#[test]
fn run_time_errors_name_the_fix() {
    // Checked before the model is opened, so this fails fast and without a download.
    let o = bridgex(&["bridge", "--pair", "en-sw", "--candidates", "sw,pt"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("a bridge must be a third language"),
        "{}",
        stderr(&o)
    );
    let o = bridgex(&["bridge", "--pair", "en-sw", "--top-rate", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--top-rate"), "{}", stderr(&o));
    let o = bridgex(&["bridge", "--pair", "en-sw", "--filter-max-words", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--filter-max-words"), "{}", stderr(&o));
    let o = bridgex(&["generate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--prompt"), "{}", stderr(&o));
    let o = bridgex(&["bridge", "--pair", "en-sw", "--device", "tpu"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown device"), "{}", stderr(&o));
}

/// Every environment variable name the code of the workspace reads, from its sources.
fn environment_variables_in_sources() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut names = std::collections::BTreeSet::new();
    let mut stack = vec![root.join("crates")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                // Production code only: tests and benches read their own variables.
                if !matches!(name.as_str(), "tests" | "benches" | "examples" | "fuzz") {
                    stack.push(p);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for prefix in ["\"BRIDGEX_", "\"HF_"] {
                    for (i, _) in text.match_indices(prefix) {
                        // `env!("…")` is read at build time, not from the user's environment.
                        if text[..i].ends_with("env!(") {
                            continue;
                        }
                        let rest = &text[i + 1..];
                        let name: String = rest
                            .chars()
                            .take_while(|c| {
                                c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_'
                            })
                            .collect();
                        // A literal that is just a name (not a message that mentions one).
                        if rest[name.len()..].starts_with('"') {
                            names.insert(name);
                        }
                    }
                }
            }
        }
    }
    names.into_iter().collect()
}

#[test]
fn help_names_every_environment_variable_the_code_reads() {
    let help = stdout(&bridgex(&["--help"]));
    let names = environment_variables_in_sources();
    assert!(names.len() >= 10, "{names:?}");
    for n in names {
        assert!(help.contains(&n), "--help does not mention {n}:\n{help}");
    }
}

#[test]
fn version_names_the_commit_and_features() {
    let o = bridgex(&["--version"]);
    assert!(o.status.success());
    let v = stdout(&o);
    assert!(v.starts_with("bridgex 0."), "{v}");
    assert!(v.contains("commit ") && v.contains("features: "), "{v}");
}

#[test]
fn completions_and_cache_work_without_a_model() {
    let o = bridgex(&["completions", "bash"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("bridgex") && stdout(&o).contains("--pair"));

    let dir = tempfile::tempdir().unwrap();
    let artifacts = dir.path().join("artifacts");
    for kind in ["language-stats", "language-stats-checkpoint"] {
        std::fs::create_dir_all(artifacts.join(kind)).unwrap();
        std::fs::write(artifacts.join(kind).join("sw-0123456789abcdef.json"), "{}").unwrap();
    }
    let arts = artifacts.to_string_lossy().into_owned();
    let o = bridgex(&["cache", "--artifacts-dir", &arts]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("language-stats-checkpoint (unfinished work)"));
    let o = bridgex(&["cache", "--artifacts-dir", &arts, "--clear", "checkpoints"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Cleared 1"), "{}", stdout(&o));
    assert!(!artifacts.join("language-stats-checkpoint").exists());
    assert!(
        artifacts.join("language-stats").exists(),
        "the rest is kept"
    );
}

#[test]
fn batch_job_front_checks() {
    // A negative number reaches the flag's own check instead of "unexpected argument".
    let o = bridgex(&["bridge", "--pair", "en-sw", "--top-rate", "-0.1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a fraction"), "{}", stderr(&o));
    // ISO 639-3 codes (as FLORES-200 uses them) name languages too.
    let o = bridgex(&["bridge", "--pair", "eng-swh", "--candidates", "swh"]);
    assert!(
        stderr(&o).contains("a bridge must be a third language"),
        "{}",
        stderr(&o)
    );
    let o = bridgex(&["--threads", "0", "languages"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--threads"), "{}", stderr(&o));
}
