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
    let o = bridgex(&["models", "--format", "json"]);
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        info["default_model"]["sha256"],
        "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    );
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
