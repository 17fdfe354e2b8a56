//! Tokenizers built from GGUF metadata on tiny vocabularies, with expected ids worked out by hand
//! from the SentencePiece-BPE and byte-level-BPE rules.

use llm_runtime::gguf::{GgufFile, GgufWriter, MetadataArray, MetadataValue};
use llm_runtime::tokenizer::Tokenizer;

fn strings(v: &[&str]) -> MetadataValue {
    MetadataValue::Array(MetadataArray::String(
        v.iter().map(|s| s.to_string()).collect(),
    ))
}

fn build(meta: Vec<(&str, MetadataValue)>) -> llm_runtime::Result<Tokenizer> {
    let mut w = GgufWriter::new();
    for (k, v) in meta {
        w.add_metadata(k, v);
    }
    Tokenizer::from_gguf(&GgufFile::from_bytes(w.to_bytes(), "tok.gguf")?)
}

/// A SentencePiece vocabulary: pieces with scores and types (1 normal, 2 unknown, 3 control).
fn spm(pieces: &[&str], scores: &[f32], types: &[i32], space_prefix: Option<bool>) -> Tokenizer {
    let mut meta = vec![
        (
            "tokenizer.ggml.model",
            MetadataValue::String("llama".into()),
        ),
        ("tokenizer.ggml.tokens", strings(pieces)),
        (
            "tokenizer.ggml.scores",
            MetadataValue::Array(MetadataArray::F32(scores.to_vec())),
        ),
        (
            "tokenizer.ggml.token_type",
            MetadataValue::Array(MetadataArray::I32(types.to_vec())),
        ),
        ("tokenizer.ggml.unknown_token_id", MetadataValue::U32(0)),
        ("tokenizer.ggml.bos_token_id", MetadataValue::U32(1)),
    ];
    if let Some(p) = space_prefix {
        meta.push(("tokenizer.ggml.add_space_prefix", MetadataValue::Bool(p)));
    }
    build(meta).unwrap()
}

#[test]
fn sentencepiece_merges_follow_scores() {
    // Two vocabularies that differ only in which of "ab" and "bc" scores higher. SentencePiece
    // BPE merges the pair whose merged piece scores highest first.
    let pieces = ["<unk>", "<s>", "</s>", "▁", "a", "b", "c", "ab", "bc"];
    let types = [2, 3, 3, 1, 1, 1, 1, 1, 1];
    let with = |ab: f32, bc: f32| {
        spm(
            &pieces,
            &[0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0, ab, bc],
            &types,
            Some(false),
        )
    };
    let ab_first = with(-5.0, -6.0);
    let bc_first = with(-6.0, -5.0);
    assert_eq!(ab_first.encode("abc", false).unwrap(), [7, 6]); // ab + c
    assert_eq!(bc_first.encode("abc", false).unwrap(), [4, 8]); // a + bc
    // Spaces become ▁ (no prefix here); BOS by default for SentencePiece vocabularies.
    assert_eq!(ab_first.encode("ab c", true).unwrap(), [1, 7, 3, 6]);
    assert_eq!(ab_first.decode(&[1, 7, 3, 6]).unwrap(), "<s>ab c");
    assert_eq!(ab_first.decode_skip_special(&[1, 7, 3, 6]).unwrap(), "ab c");
    // No byte tokens: an unknown character becomes <unk>.
    assert_eq!(ab_first.encode("x", false).unwrap(), [0]);
    assert_eq!(ab_first.bos_id(), Some(1));
    assert_eq!(ab_first.prepended_bos(), Some(1));
    assert_eq!(ab_first.eos_id(), None);
}

#[test]
fn space_prefix_and_decoding() {
    let pieces = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a"];
    let scores = [0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0];
    let types = [2, 3, 3, 1, 1, 1, 1];
    // Without the key, llama.cpp's default applies: a space is prefixed, "a b" reads "▁a▁b".
    let t = spm(&pieces, &scores, &types, None);
    assert_eq!(t.encode("a b", true).unwrap(), [1, 6, 3, 5]); // ▁a, ▁, b
    assert_eq!(t.decode_skip_special(&[1, 6, 3, 5]).unwrap(), "a b"); // prefix dropped again
    let t = spm(&pieces, &scores, &types, Some(false));
    assert_eq!(t.encode("a b", true).unwrap(), [1, 4, 3, 5]); // a, ▁, b
}

/// A byte-level BPE vocabulary (GPT-2 byte alphabet: "Ġ" is the space byte).
fn bpe(pre: &str) -> Tokenizer {
    let tokens = [
        "<|bos|>", "1", "2", "3", "4", "5", "12", "123", "45", "a", "b", "ab", "Ġ", "Ġab",
    ];
    let merges = ["1 2", "12 3", "4 5", "a b", "Ġ ab"];
    let mut types = vec![1i32; tokens.len()];
    types[0] = 3;
    build(vec![
        ("tokenizer.ggml.model", MetadataValue::String("gpt2".into())),
        ("tokenizer.ggml.pre", MetadataValue::String(pre.into())),
        ("tokenizer.ggml.tokens", strings(&tokens)),
        ("tokenizer.ggml.merges", strings(&merges)),
        (
            "tokenizer.ggml.token_type",
            MetadataValue::Array(MetadataArray::I32(types)),
        ),
        ("tokenizer.ggml.bos_token_id", MetadataValue::U32(0)),
        ("tokenizer.ggml.add_bos_token", MetadataValue::Bool(true)),
    ])
    .unwrap()
}

#[test]
fn byte_level_pre_tokenizers() {
    let text = "ab ab 12345";
    // llama-bpe: digits in groups of up to 3 -> "123", "45"; " ab" is one pre-token.
    assert_eq!(
        bpe("llama-bpe").encode(text, true).unwrap(),
        [0, 11, 13, 12, 7, 8]
    );
    // qwen2: every digit alone.
    assert_eq!(
        bpe("qwen2").encode(text, true).unwrap(),
        [0, 11, 13, 12, 1, 2, 3, 4, 5]
    );
    // gpt2 / default: " 12345" is one pre-token, BPE makes Ġ, 123, 45.
    assert_eq!(
        bpe("gpt2").encode(text, true).unwrap(),
        [0, 11, 13, 12, 7, 8]
    );
    assert_eq!(
        bpe("default").encode(text, false).unwrap(),
        [11, 13, 12, 7, 8]
    );
    // smollm: digits split first, then the GPT-2 regex.
    assert_eq!(
        bpe("smollm").encode(text, true).unwrap(),
        [0, 11, 13, 12, 1, 2, 3, 4, 5]
    );
    let t = bpe("llama-bpe");
    assert_eq!(t.decode_skip_special(&[0, 11, 13, 12, 7, 8]).unwrap(), text);
    assert_eq!(t.id_to_token(13).as_deref(), Some("Ġab"));
    // The control token is matched in raw text.
    assert_eq!(t.encode("<|bos|>ab", false).unwrap(), [0, 11]);
}

#[test]
fn unsupported_or_broken_tokenizers_are_errors() {
    let e = bpe_err(vec![(
        "tokenizer.ggml.pre",
        MetadataValue::String("mystery".into()),
    )]);
    assert!(
        e.contains("tok.gguf") && e.contains("tokenizer.ggml.pre") && e.contains("mystery"),
        "{e}"
    );
    let e = bpe_err(vec![(
        "tokenizer.ggml.model",
        MetadataValue::String("bert".into()),
    )]);
    assert!(
        e.contains("tokenizer.ggml.model") && e.contains("bert"),
        "{e}"
    );
    let e = bpe_err(vec![("tokenizer.ggml.merges", strings(&["ab"]))]);
    assert!(e.contains("merge 0"), "{e}");
    let e = bpe_err(vec![(
        "tokenizer.ggml.bos_token_id",
        MetadataValue::U32(99),
    )]);
    assert!(
        e.contains("tokenizer.ggml.bos_token_id") && e.contains("99"),
        "{e}"
    );
    let e = build(vec![]).unwrap_err().to_string();
    assert!(e.contains("tokenizer.ggml.model"), "{e}");
}

fn bpe_err(overrides: Vec<(&str, MetadataValue)>) -> String {
    let mut meta: Vec<(&str, MetadataValue)> = vec![
        ("tokenizer.ggml.model", MetadataValue::String("gpt2".into())),
        ("tokenizer.ggml.pre", MetadataValue::String("qwen2".into())),
        ("tokenizer.ggml.tokens", strings(&["a", "b", "ab"])),
        ("tokenizer.ggml.merges", strings(&["a b"])),
    ];
    for (k, v) in overrides {
        meta.retain(|(mk, _)| *mk != k);
        meta.push((k, v));
    }
    build(meta).unwrap_err().to_string()
}
