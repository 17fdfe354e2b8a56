//! Corrupt and truncated GGUF input: every case is an error naming the file and the place where
//! parsing stopped, never a panic. Includes a deterministic mutation loop (the stable-toolchain
//! stand-in for the cargo-fuzz target in `fuzz/`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use llm_runtime::WeightSource;
use llm_runtime::gguf::{GgmlType, GgufFile, GgufWriter, MetadataArray, MetadataValue};
use llm_runtime::loader::GgufWeights;
use llm_runtime::tokenizer::Tokenizer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Hand-assembled GGUF pieces (the writer refuses to produce most of these corruptions).
struct Raw(Vec<u8>);

impl Raw {
    fn header(version: u32, tensors: u64, kvs: u64) -> Raw {
        let mut b = b"GGUF".to_vec();
        b.extend_from_slice(&version.to_le_bytes());
        b.extend_from_slice(&tensors.to_le_bytes());
        b.extend_from_slice(&kvs.to_le_bytes());
        Raw(b)
    }
    fn str(mut self, s: &str) -> Raw {
        self.0.extend_from_slice(&(s.len() as u64).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn u32(mut self, v: u32) -> Raw {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(mut self, v: u64) -> Raw {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn bytes(mut self, b: &[u8]) -> Raw {
        self.0.extend_from_slice(b);
        self
    }
    /// Tensor info: name, dims, type id, offset.
    fn tensor(self, name: &str, dims: &[u64], ty: u32, offset: u64) -> Raw {
        let mut r = self.str(name).u32(dims.len() as u32);
        for &d in dims {
            r = r.u64(d);
        }
        r.u32(ty).u64(offset)
    }
    fn pad_to(mut self, align: usize) -> Raw {
        self.0.resize(self.0.len().next_multiple_of(align), 0);
        self
    }
    fn parse_err(self) -> String {
        match GgufFile::from_bytes(self.0, "x.gguf") {
            Ok(_) => panic!("corrupt input parsed"),
            Err(e) => {
                let s = e.to_string();
                assert!(
                    s.starts_with("x.gguf: "),
                    "error does not name the file: {s}"
                );
                s
            }
        }
    }
}

fn assert_contains(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "`{msg}` lacks `{p}`");
    }
}

#[test]
fn targeted_corruptions_name_the_place() {
    assert_contains(
        &Raw(b"GGML\x03\0\0\0".to_vec()).parse_err(),
        &["not a GGUF file", "offset 0"],
    );
    assert_contains(
        &Raw(b"GG".to_vec()).parse_err(),
        &["not a GGUF file", "truncated"],
    );
    assert_contains(&Raw::header(1, 0, 0).parse_err(), &["version 1"]);
    assert_contains(
        &Raw::header(99, 0, 0).parse_err(),
        &["unsupported GGUF version 99"],
    );
    assert_contains(
        &Raw::header(3u32.swap_bytes(), 0, 0).parse_err(),
        &["big-endian"],
    );
    assert_contains(
        &Raw::header(3, u64::MAX, 0).parse_err(),
        &["tensor count", "exceeds", "offset 8"],
    );
    assert_contains(
        &Raw::header(3, 0, 1 << 40).parse_err(),
        &["metadata entry count", "offset 16"],
    );
    // Key length larger than the file.
    assert_contains(
        &Raw::header(3, 0, 1)
            .u64(1 << 50)
            .bytes(&[0; 16])
            .parse_err(),
        &["metadata entry 0 key", "string length", "offset 24"],
    );
    assert_contains(
        &Raw::header(3, 0, 1).str("k").u32(13).u32(0).parse_err(),
        &["`k`", "unknown metadata value type 13"],
    );
    assert_contains(
        &Raw::header(3, 0, 1).str("k").u32(7).bytes(&[2]).parse_err(),
        &["`k`", "bool", "value 2"],
    );
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("k")
            .u32(8)
            .u64(5)
            .bytes(b"ab")
            .parse_err(),
        &["`k`", "string length"],
    );
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("k")
            .u32(8)
            .u64(2)
            .bytes(&[0xFF, 0xFE])
            .parse_err(),
        &["`k`", "UTF-8"],
    );
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("k")
            .u32(6)
            .bytes(&[0, 0])
            .parse_err(),
        &["`k`", "truncated at byte offset 37"],
    );
    // Array: unknown element type, count beyond the file, string element truncated.
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("a")
            .u32(9)
            .u32(77)
            .u64(0)
            .parse_err(),
        &["`a`", "unknown array element type 77"],
    );
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("a")
            .u32(9)
            .u32(4)
            .u64(1 << 62)
            .parse_err(),
        &["`a`", "array element count"],
    );
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("a")
            .u32(9)
            .u32(8)
            .u64(2)
            .str("ok")
            .u64(9)
            .parse_err(),
        &["`a`", "element 1", "string length count 9", "offset 59"],
    );
    // Arrays of arrays nested without end.
    let mut deep = Raw::header(3, 0, 1).str("deep").u32(9);
    for _ in 0..64 {
        deep = deep.u32(9).u64(1);
    }
    assert_contains(&deep.parse_err(), &["`deep`", "nested deeper"]);
    assert_contains(
        &Raw::header(3, 0, 2)
            .str("k")
            .u32(4)
            .u32(1)
            .str("k")
            .u32(4)
            .u32(2)
            .parse_err(),
        &["`k` appears twice"],
    );
    assert_contains(
        &Raw::header(3, 0, 1)
            .str("general.alignment")
            .u32(4)
            .u32(48)
            .parse_err(),
        &["general.alignment", "power of two"],
    );
    // Tensor table problems.
    assert_contains(
        &Raw::header(3, 1, 0).tensor("w", &[32], 16, 0).parse_err(),
        &["tensor `w`", "type id 16", "IQ2_XXS"],
    );
    assert_contains(
        &Raw::header(3, 1, 0).tensor("w", &[32], 1234, 0).parse_err(),
        &["tensor `w`", "type id 1234"],
    );
    assert_contains(
        &Raw::header(3, 1, 0)
            .str("w")
            .u32(5)
            .bytes(&[0; 64])
            .parse_err(),
        &["tensor `w`", "5 dimensions"],
    );
    assert_contains(
        &Raw::header(3, 1, 0)
            .tensor("w", &[1 << 32, 1 << 32, 1 << 32], 0, 0)
            .parse_err(),
        &["tensor `w`", "overflow"],
    );
    assert_contains(
        &Raw::header(3, 1, 0).tensor("w", &[30], 8, 0).parse_err(),
        &["tensor `w`", "block size 32"],
    );
    assert_contains(
        &Raw::header(3, 1, 0).tensor("w", &[8], 0, 4).parse_err(),
        &["tensor `w`", "alignment 32"],
    );
    assert_contains(
        &Raw::header(3, 2, 0)
            .tensor("w", &[8], 0, 0)
            .tensor("w", &[8], 0, 32)
            .pad_to(32)
            .bytes(&[0; 64])
            .parse_err(),
        &["tensor `w` appears twice"],
    );
    assert_contains(
        &Raw::header(3, 1, 0)
            .tensor("w", &[8], 0, 0)
            .pad_to(32)
            .bytes(&[0; 31])
            .parse_err(),
        &["tensor `w`", "past the end of the file", "truncated"],
    );
    assert_contains(
        &Raw::header(3, 1, 0)
            .tensor("w", &[8], 0, u64::MAX - 31)
            .pad_to(32)
            .parse_err(),
        &["tensor `w`", "overflows"],
    );
}

/// A small but complete gemma3 model with a tokenizer, every tensor type the writer knows.
#[test]
fn a_tensor_type_changed_in_the_table_is_refused() {
    // Q8_0 tensors; then the first one's type id is set to F32 (0) in the table, as the
    // reliability issue found with a Q5_0 one: its F32 size reaches into the next tensor's data.
    let mut w = GgufWriter::new();
    w.add_metadata(
        "general.architecture",
        MetadataValue::String("llama".into()),
    );
    let data: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
    w.add_tensor("a.weight", &[2, 32], &data, GgmlType::Q8_0)
        .unwrap();
    w.add_tensor("b.weight", &[2, 32], &data, GgmlType::Q8_0)
        .unwrap();
    let more: Vec<f32> = (0..1024).map(|i| i as f32 / 1024.0).collect();
    w.add_tensor("c.weight", &[32, 32], &more, GgmlType::Q8_0)
        .unwrap();
    let mut bytes = w.to_bytes();
    assert!(GgufFile::from_bytes(bytes.clone(), "ok.gguf").is_ok());
    // The type id follows the name, the dimension count and two u64 dims.
    let name = b"a.weight";
    let at = bytes
        .windows(name.len())
        .position(|w| w == name)
        .expect("name in the table")
        + name.len()
        + 4
        + 2 * 8;
    assert_eq!(
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()),
        GgmlType::Q8_0.id()
    );
    bytes[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    let e = match GgufFile::from_bytes(bytes, "x.gguf") {
        Ok(_) => panic!("overlapping tensor data loaded"),
        Err(e) => e.to_string(),
    };
    assert_contains(
        &e,
        &["x.gguf", "tensor `b.weight`", "data offset", "expected"],
    );
}

fn small_model() -> Vec<u8> {
    let mut w = GgufWriter::new();
    let s = |x: &str| MetadataValue::String(x.into());
    w.add_metadata("general.architecture", s("gemma3"));
    for (k, v) in [
        ("embedding_length", 32),
        ("feed_forward_length", 64),
        ("block_count", 1),
        ("attention.head_count", 2),
        ("attention.head_count_kv", 1),
        ("attention.key_length", 16),
        ("attention.sliding_window", 8),
        ("context_length", 64),
    ] {
        w.add_metadata(format!("gemma3.{k}"), MetadataValue::U32(v));
    }
    w.add_metadata(
        "gemma3.attention.layer_norm_rms_epsilon",
        MetadataValue::F32(1e-6),
    );
    let pieces = [
        "<pad>", "<eos>", "<bos>", "<unk>", "▁", "a", "b", "ab", "▁a", "<0x41>", "  ",
    ];
    let types = [3, 3, 3, 2, 1, 1, 1, 1, 1, 6, 4];
    w.add_metadata("tokenizer.ggml.model", s("llama"));
    w.add_metadata(
        "tokenizer.ggml.tokens",
        MetadataValue::Array(MetadataArray::String(
            pieces.iter().map(|p| p.to_string()).collect(),
        )),
    );
    w.add_metadata(
        "tokenizer.ggml.scores",
        MetadataValue::Array(MetadataArray::F32((0..11).map(|i| -(i as f32)).collect())),
    );
    w.add_metadata(
        "tokenizer.ggml.token_type",
        MetadataValue::Array(MetadataArray::I32(types.to_vec())),
    );
    w.add_metadata("tokenizer.ggml.bos_token_id", MetadataValue::U32(2));
    w.add_metadata("tokenizer.ggml.eos_token_id", MetadataValue::U32(1));
    w.add_metadata("tokenizer.ggml.unknown_token_id", MetadataValue::U32(3));
    let x: Vec<f32> = (0..64 * 32)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
        .collect();
    w.add_tensor(
        "token_embd.weight",
        &[11, 32],
        &x[..11 * 32],
        GgmlType::Q8_0,
    )
    .unwrap();
    w.add_tensor("output_norm.weight", &[32], &x[..32], GgmlType::F32)
        .unwrap();
    w.add_tensor(
        "blk.0.attn_q.weight",
        &[32, 32],
        &x[..32 * 32],
        GgmlType::Q4_0,
    )
    .unwrap();
    w.add_tensor(
        "blk.0.attn_k.weight",
        &[16, 32],
        &x[..16 * 32],
        GgmlType::F16,
    )
    .unwrap();
    w.add_tensor(
        "blk.0.attn_v.weight",
        &[16, 32],
        &x[..16 * 32],
        GgmlType::BF16,
    )
    .unwrap();
    w.add_tensor("blk.0.attn_norm.weight", &[32], &x[..32], GgmlType::F32)
        .unwrap();
    w.add_tensor(
        "blk.0.ffn_down.weight",
        &[32, 64],
        &x[..64 * 32],
        GgmlType::Q8_0,
    )
    .unwrap();
    w.to_bytes()
}

#[test]
fn a_missing_tensor_is_named_as_the_file_names_it() {
    // The small model lacks most of a gemma3 block; the first one the model asks for is the
    // per-head query norm, which people find in a GGUF dump as `blk.0.attn_q_norm.weight`.
    let f = GgufFile::from_bytes(small_model(), "m.gguf").unwrap();
    let w = GgufWeights::from_file(f).unwrap();
    let e = llm_runtime::Transformer::from_weights(
        &w,
        &llm_runtime::RuntimeDevice::cpu(),
        llm_runtime::Dtype::F32,
    )
    .unwrap_err()
    .to_string();
    assert_contains(
        &e,
        &[
            "m.gguf",
            "`blk.0.attn_q_norm.weight`",
            "in Hugging Face terms",
            "is missing",
        ],
    );
}

/// Everything a loader does with a file; must not panic whatever the bytes.
fn exercise(bytes: Vec<u8>) -> Result<(), String> {
    let f = GgufFile::from_bytes(bytes, "m.gguf").map_err(|e| e.to_string())?;
    for t in f.tensors() {
        let _ = f.dequantize(&t.name);
    }
    if let Ok(tok) = Tokenizer::from_gguf(&f) {
        let ids = tok.encode("ab a  b A", true).unwrap_or_default();
        let _ = tok.decode(&ids);
    }
    let w = GgufWeights::from_file(f).map_err(|e| e.to_string())?;
    for n in w.tensor_names() {
        let _ = w.tensor(&n);
    }
    Ok(())
}

#[test]
fn small_model_is_valid_and_its_tokenizer_works() {
    let bytes = small_model();
    exercise(bytes.clone()).unwrap();
    let f = GgufFile::from_bytes(bytes, "m.gguf").unwrap();
    let t = Tokenizer::from_gguf(&f).unwrap();
    // Default space prefix: "▁ab▁a▁▁b▁A". Merges by score: "▁▁" (user-defined, score 0) first,
    // then "ab" (-7) before "▁a" (-8); "▁ab" is no piece, so ▁ stays alone; "A" falls back to <0x41>.
    assert_eq!(
        t.encode("ab a  b A", true).unwrap(),
        [2, 4, 7, 8, 10, 6, 4, 9]
    );
    assert_eq!(
        t.decode_skip_special(&[2, 4, 7, 8, 10, 6, 4, 9]).unwrap(),
        "ab a  b A"
    );
}

#[test]
fn truncating_the_small_model_anywhere_is_an_error() {
    let bytes = small_model();
    for len in 0..bytes.len() {
        let r = catch_unwind(AssertUnwindSafe(|| {
            GgufFile::from_bytes(bytes[..len].to_vec(), "m.gguf")
        }));
        match r {
            Ok(Ok(_)) => panic!("truncated at {len} of {} parsed", bytes.len()),
            Ok(Err(e)) => assert!(e.to_string().starts_with("m.gguf: "), "{e}"),
            Err(_) => panic!("panic when truncated at {len}"),
        }
    }
}

#[test]
fn mutation_loop_never_panics() {
    let base = small_model();
    let header_len = GgufFile::from_bytes(base.clone(), "m.gguf")
        .unwrap()
        .data_offset() as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(0x6767_7566);
    let (mut parsed, mut loaded) = (0, 0);
    for iter in 0..3000 {
        let mut b = base.clone();
        for _ in 0..rng.random_range(1..=3) {
            // Mutations concentrate on the header, where the parser's decisions are.
            let span = if rng.random_bool(0.9) {
                header_len
            } else {
                b.len()
            };
            if span == 0 {
                break;
            }
            let at = rng.random_range(0..span.min(b.len()).max(1));
            match rng.random_range(0..6) {
                0 => b[at] ^= 1 << rng.random_range(0..8),
                1 => b[at] = rng.random(),
                2 => b.truncate(at),
                3 => {
                    // An extreme little-endian u64 (a count, length, dim or offset).
                    let v: u64 = [u64::MAX, 1 << 40, 1 << 31, 0, 255][rng.random_range(0..5)];
                    for (i, byte) in v.to_le_bytes().iter().enumerate() {
                        if let Some(slot) = b.get_mut(at + i) {
                            *slot = *byte;
                        }
                    }
                }
                4 => {
                    let n = rng.random_range(1..16);
                    b.splice(at..at, (0..n).map(|_| rng.random::<u8>()));
                }
                _ => {
                    let end = (at + rng.random_range(1..16)).min(b.len());
                    b.drain(at..end);
                }
            }
        }
        match catch_unwind(AssertUnwindSafe(|| exercise(b))) {
            Ok(Ok(())) => loaded += 1,
            Ok(Err(msg)) => {
                if !msg.starts_with("m.gguf: ") {
                    // Errors past parsing (config, tensors) name the file too.
                    assert!(
                        msg.contains("m.gguf"),
                        "iteration {iter}: error without file name: {msg}"
                    );
                }
                parsed += 1;
            }
            Err(_) => panic!("iteration {iter} panicked"),
        }
    }
    // The loop must have exercised both outcomes.
    assert!(loaded > 0 && parsed > 0, "loaded {loaded}, errors {parsed}");
}

#[test]
fn real_model_truncated_or_flipped() {
    let path = llm_runtime::models::default_model_path().expect("default model");
    let full = std::fs::read(&path).unwrap();
    let origin = path.display().to_string();
    let data_offset = GgufFile::from_bytes(full.clone(), &path)
        .unwrap()
        .data_offset() as usize;
    assert!(
        data_offset > 6_000_000,
        "header is the tokenizer-laden 6.5 MB one"
    );
    // Truncations inside the header: the first bytes one by one, then spread over the header.
    let mut cuts: Vec<usize> = (0..40).collect();
    cuts.extend((1..60).map(|i| i * data_offset / 60));
    cuts.push(data_offset - 1);
    for len in cuts {
        let e =
            GgufFile::from_bytes(full[..len].to_vec(), &path).expect_err("truncated header parsed");
        let msg = e.to_string();
        assert!(msg.starts_with(&origin), "{msg}");
        assert!(
            msg.contains("truncated") || msg.contains("exceeds") || msg.contains("not a GGUF"),
            "cut {len}: {msg}"
        );
    }
    // Truncations inside the data section name a tensor.
    for len in [data_offset + 1, full.len() / 2, full.len() - 1] {
        let msg = GgufFile::from_bytes(full[..len].to_vec(), &path)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("tensor `") && msg.contains("past the end of the file"),
            "cut {len}: {msg}"
        );
    }
    // Single-byte flips in the header: error or success, never a panic.
    let header = full[..data_offset].to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for i in 0..40 {
        let mut b = header.clone();
        // Half of the flips hit the first 1 KiB (counts, keys), the rest anywhere in the header.
        let at = if i % 2 == 0 {
            rng.random_range(0..1024)
        } else {
            rng.random_range(0..data_offset)
        };
        b[at] ^= 1 << rng.random_range(0..8);
        let r = catch_unwind(AssertUnwindSafe(|| {
            GgufFile::from_bytes(b, &path).map(|_| ())
        }));
        assert!(r.is_ok(), "flip at {at} panicked");
    }
}

#[test]
fn a_layer_count_beyond_the_tensors_is_refused_not_allocated() {
    // Found by `cargo xtask fuzz` (seed 2): `block_count` mutated to 2^30 + 1 made the model
    // ask for 6.8 TB of layers and abort.
    let mut bytes = small_model();
    let key = b"gemma3.block_count";
    let at = bytes
        .windows(key.len())
        .position(|w| w == key)
        .expect("the key")
        + key.len()
        + 4; // value type u32
    bytes[at..at + 4].copy_from_slice(&(1u32 << 30 | 1).to_le_bytes());
    let f = GgufFile::from_bytes(bytes, "m.gguf").unwrap();
    let w = GgufWeights::from_file(f).unwrap();
    let e = llm_runtime::Transformer::from_weights(
        &w,
        &llm_runtime::RuntimeDevice::cpu(),
        llm_runtime::Dtype::F32,
    )
    .unwrap_err()
    .to_string();
    assert_contains(&e, &["m.gguf", "1073741825 layers", "hold layers 0..1"]);
}
