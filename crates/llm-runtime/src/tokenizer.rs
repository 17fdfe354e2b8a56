//! Tokenizers: a small wrapper over `tokenizers::Tokenizer`, built either from a Hugging Face
//! `tokenizer.json` or from the vocabulary embedded in GGUF metadata.
//!
//! GGUF carries two tokenizer kinds (`tokenizer.ggml.model`):
//! - `llama`: SentencePiece BPE (Llama 2, Mistral v0.1, Gemma). The file has pieces, scores and
//!   token types but no merges. SentencePiece BPE merges the adjacent pair whose merged piece has
//!   the highest score; a BPE model whose merge ranks follow the merged piece's score does the
//!   same. The merge list is derived like `transformers`' `SentencePieceExtractor`: every split of
//!   a piece into two vocabulary pieces, ordered by (score, left length, right length) descending,
//!   ties in vocabulary order. Over Gemma 3's vocabulary this reproduces the reference
//!   `tokenizer.json` merge list exactly (514,906 merges).
//! - `gpt2`: byte-level BPE with explicit merges (Llama 3, Qwen2, SmolLM); `tokenizer.ggml.pre`
//!   names the pre-tokenizer regex.
//!
//! Control and user-defined tokens become added tokens, matched in the raw text before the model
//! runs (as SentencePiece and llama.cpp do).
//!
//! ```
//! use llm_runtime::gguf::{GgufFile, GgufWriter, MetadataArray, MetadataValue};
//! use llm_runtime::tokenizer::Tokenizer;
//! // A SentencePiece vocabulary in GGUF metadata: pieces, scores, types (2 unknown, 3 control).
//! let pieces = ["<unk>", "<s>", "</s>", "▁", "h", "i", "hi", "▁hi"];
//! let mut w = GgufWriter::new();
//! w.add_metadata("tokenizer.ggml.model", MetadataValue::String("llama".into()));
//! w.add_metadata(
//!     "tokenizer.ggml.tokens",
//!     MetadataValue::Array(MetadataArray::String(pieces.iter().map(|p| p.to_string()).collect())),
//! );
//! let scores = (0..8).map(|i| -(i as f32)).collect();
//! w.add_metadata("tokenizer.ggml.scores", MetadataValue::Array(MetadataArray::F32(scores)));
//! let types = vec![2, 3, 3, 1, 1, 1, 1, 1];
//! w.add_metadata("tokenizer.ggml.token_type", MetadataValue::Array(MetadataArray::I32(types)));
//! w.add_metadata("tokenizer.ggml.bos_token_id", MetadataValue::U32(1));
//! let tok = Tokenizer::from_gguf(&GgufFile::from_bytes(w.to_bytes(), "tiny.gguf")?)?;
//! // "hi" -> "▁hi" (SentencePiece's space prefix) -> merges h+i, then ▁+hi; BOS first.
//! assert_eq!(tok.encode("hi", true)?, [1, 7]);
//! assert_eq!(tok.decode_skip_special(&[1, 7])?, "hi");
//! # Ok::<(), llm_runtime::Error>(())
//! ```

use std::path::Path;

use tokenizers::decoders::DecoderWrapper;
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::decoders::strip::Strip;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::normalizers::{
    NormalizerWrapper, Prepend, Replace, Sequence as NormalizerSequence,
};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence as PreTokenizerSequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, SplitDelimiterBehavior};

use crate::error::{Error, Result};
use crate::gguf::GgufFile;

/// SentencePiece's word-boundary marker, which stands for a space inside pieces.
const SPIECE_UNDERLINE: &str = "\u{2581}";

/// GGUF token types (llama.cpp `llama_token_type`).
mod token_type {
    pub const NORMAL: i64 = 1;
    pub const CONTROL: i64 = 3;
    pub const USER_DEFINED: i64 = 4;
    pub const BYTE: i64 = 6;
}

/// Pre-tokenizer regexes of byte-level BPE vocabularies (from the models' own `tokenizer.json`).
const LLAMA3_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const QWEN2_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// A text tokenizer with the model's BOS/EOS conventions.
#[derive(Clone)]
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    bos: Option<u32>,
    eos: Vec<u32>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("bos", &self.bos)
            .field("eos", &self.eos)
            .finish()
    }
}

impl Tokenizer {
    /// Wrap a `tokenizers::Tokenizer`. `eos` may list several ids (e.g. Llama 3 instruct).
    pub fn new(inner: tokenizers::Tokenizer, bos: Option<u32>, eos: Vec<u32>) -> Tokenizer {
        Tokenizer { inner, bos, eos }
    }

    /// Load a Hugging Face `tokenizer.json`.
    pub fn from_file(path: impl AsRef<Path>, bos: Option<u32>, eos: Vec<u32>) -> Result<Tokenizer> {
        let path = path.as_ref();
        let inner = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| Error::Tokenizer(format!("{}: {e}", path.display())))?;
        Ok(Tokenizer::new(inner, bos, eos))
    }

    /// Build the tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(file: &GgufFile) -> Result<Tokenizer> {
        build_from_gguf(file)
    }

    /// Token ids of `text`. With `add_bos`, the special tokens the model's template adds to a
    /// single sequence are added (the BOS for Llama and Gemma; nothing for Qwen2, which has none).
    pub fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode_fast(text, add_bos)
            .map_err(|e| Error::Tokenizer(format!("encoding {:?}: {e}", truncate(text))))?;
        Ok(enc.get_ids().to_vec())
    }

    /// The text of `ids`, special tokens included (nothing is dropped).
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner
            .decode(ids, false)
            .map_err(|e| Error::Tokenizer(format!("decoding {} ids: {e}", ids.len())))
    }

    /// The text of `ids` without special tokens (BOS, EOS, control tokens).
    pub fn decode_skip_special(&self, ids: &[u32]) -> Result<String> {
        self.inner
            .decode(ids, true)
            .map_err(|e| Error::Tokenizer(format!("decoding {} ids: {e}", ids.len())))
    }

    pub fn bos_id(&self) -> Option<u32> {
        self.bos
    }

    /// The BOS that [`Self::encode`] with `add_bos` puts first, if any: Llama's and Gemma's;
    /// none for Qwen2, whose file names `<|endoftext|>` as BOS but whose template adds nothing.
    /// What a sequence the model reads whole (a statistics window) starts with.
    pub fn prepended_bos(&self) -> Option<u32> {
        let bos = self.bos?;
        let first = self.encode("", true).ok()?.first().copied();
        (first == Some(bos)).then_some(bos)
    }

    /// The (first) end-of-sequence id.
    pub fn eos_id(&self) -> Option<u32> {
        self.eos.first().copied()
    }

    /// Every id that ends a generation.
    pub fn eos_ids(&self) -> &[u32] {
        &self.eos
    }

    /// The vocabulary piece of `id` (`"▁Paris"`, `"<0x0A>"`), added tokens included.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Number of ids, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The underlying `tokenizers` tokenizer.
    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.inner
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(40).collect::<String>())
    }
}

/// Everything `from_gguf` reads from the metadata.
struct GgufVocab {
    tokens: Vec<String>,
    types: Vec<i64>,
    bos: Option<u32>,
    eos: Option<u32>,
    unk: Option<u32>,
    add_bos: bool,
    add_eos: bool,
}

fn build_from_gguf(file: &GgufFile) -> Result<Tokenizer> {
    let path = file.path();
    let err = |what: String| Error::format(path, what);
    let model = file
        .get_str("tokenizer.ggml.model")?
        .ok_or_else(|| {
            err("metadata key `tokenizer.ggml.model` is missing: the file has no tokenizer".into())
        })?
        .to_string();
    let tokens = file
        .get_array("tokenizer.ggml.tokens")?
        .ok_or_else(|| err("metadata key `tokenizer.ggml.tokens` is missing".into()))?
        .as_strings()
        .ok_or_else(|| {
            err("metadata key `tokenizer.ggml.tokens`: expected an array of strings".into())
        })?
        .to_vec();
    let n = tokens.len();
    let types = match file.get_array("tokenizer.ggml.token_type")? {
        None => vec![token_type::NORMAL; n],
        Some(a) => a.to_i64_vec().filter(|v| v.len() == n).ok_or_else(|| {
            err(format!(
                "metadata key `tokenizer.ggml.token_type`: expected {n} integers"
            ))
        })?,
    };
    let id = |key: &str| -> Result<Option<u32>> {
        match file.get_u64(key)? {
            None => Ok(None),
            Some(v) if (v as usize) < n => Ok(Some(v as u32)),
            Some(v) => Err(err(format!(
                "metadata key `{key}`: id {v} is outside the vocabulary of {n} tokens"
            ))),
        }
    };
    let is_spm = model == "llama";
    let vocab = GgufVocab {
        bos: id("tokenizer.ggml.bos_token_id")?,
        eos: id("tokenizer.ggml.eos_token_id")?,
        unk: id("tokenizer.ggml.unknown_token_id")?,
        // llama.cpp's defaults when the flags are absent.
        add_bos: file
            .get_bool("tokenizer.ggml.add_bos_token")?
            .unwrap_or(is_spm),
        add_eos: file
            .get_bool("tokenizer.ggml.add_eos_token")?
            .unwrap_or(false),
        tokens,
        types,
    };
    let mut inner = match model.as_str() {
        "llama" => {
            let scores = file
                .get_array("tokenizer.ggml.scores")?
                .ok_or_else(|| err("metadata key `tokenizer.ggml.scores` is missing (SentencePiece needs scores)".into()))?
                .to_f32_vec()
                .filter(|v| v.len() == n)
                .ok_or_else(|| err(format!("metadata key `tokenizer.ggml.scores`: expected {n} numbers")))?;
            let add_space_prefix = file
                .get_bool("tokenizer.ggml.add_space_prefix")?
                .unwrap_or(true);
            build_spm(&vocab, &scores, add_space_prefix)
                .map_err(|e| err(format!("tokenizer: {e}")))?
        }
        "gpt2" => {
            let merges = file
                .get_array("tokenizer.ggml.merges")?
                .ok_or_else(|| err("metadata key `tokenizer.ggml.merges` is missing (byte-level BPE needs merges)".into()))?
                .as_strings()
                .ok_or_else(|| err("metadata key `tokenizer.ggml.merges`: expected strings".into()))?;
            let pre = file.get_str("tokenizer.ggml.pre")?.unwrap_or("default");
            let pre = byte_level_pre_tokenizer(pre).ok_or_else(|| {
                err(format!(
                    "metadata key `tokenizer.ggml.pre` = `{pre}` is not supported (supported: llama-bpe, qwen2, smollm, gpt2/default and their aliases)"
                ))
            })?;
            build_byte_level(&vocab, merges, pre).map_err(|e| err(format!("tokenizer: {e}")))?
        }
        other => {
            return Err(err(format!(
                "metadata key `tokenizer.ggml.model` = `{other}` is not supported (supported: llama, gpt2)"
            )));
        }
    };
    add_special_tokens(&mut inner, &vocab);
    let processor = post_processor(&vocab).map_err(|e| err(format!("tokenizer template: {e}")))?;
    inner.with_post_processor(processor);
    Ok(Tokenizer::new(
        inner,
        vocab.bos,
        vocab.eos.into_iter().collect(),
    ))
}

type BuildResult<T> = std::result::Result<T, String>;

/// The SentencePiece-BPE pipeline of HF's Gemma/Llama `tokenizer.json`: spaces become `▁`
/// (optionally prefixed), BPE with byte fallback, and the inverse on decode.
fn build_spm(
    v: &GgufVocab,
    scores: &[f32],
    add_space_prefix: bool,
) -> BuildResult<tokenizers::Tokenizer> {
    // llama.cpp's converter stores user-defined pieces with real spaces (it matches them in raw
    // text); inside the BPE vocabulary they are spelled with `▁`, as in the SentencePiece model.
    let pieces: Vec<String> = v
        .tokens
        .iter()
        .zip(&v.types)
        .map(|(t, &ty)| {
            if ty == token_type::USER_DEFINED {
                t.replace(' ', SPIECE_UNDERLINE)
            } else {
                t.clone()
            }
        })
        .collect();
    // SentencePiece gives control and user-defined pieces score 0; llama.cpp writes -1000. With 0,
    // merges that build user-defined pieces (runs of spaces/newlines) rank first, as in HF's file.
    let scores: Vec<f32> = scores
        .iter()
        .zip(&v.types)
        .map(|(&s, &ty)| {
            if ty == token_type::CONTROL || ty == token_type::USER_DEFINED {
                0.0
            } else {
                s
            }
        })
        .collect();
    let vocab = vocab_map(&pieces);
    let merges = merges_from_scores(&pieces, &scores, &vocab);
    let has_bytes = v.types.contains(&token_type::BYTE);
    let mut builder = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .fuse_unk(true)
        .byte_fallback(has_bytes);
    if let Some(unk) = v.unk {
        builder = builder.unk_token(pieces[unk as usize].clone());
    }
    let bpe = builder.build().map_err(|e| e.to_string())?;

    let mut tok = tokenizers::Tokenizer::new(bpe);
    let replace: NormalizerWrapper = Replace::new(" ", SPIECE_UNDERLINE)
        .map_err(|e| e.to_string())?
        .into();
    let normalizer: NormalizerWrapper = if add_space_prefix {
        NormalizerSequence::new(vec![Prepend::new(SPIECE_UNDERLINE.into()).into(), replace]).into()
    } else {
        replace
    };
    tok.with_normalizer(Some(normalizer));
    let split = Split::new(
        SplitPattern::String(" ".into()),
        SplitDelimiterBehavior::MergedWithPrevious,
        false,
    )
    .map_err(|e| e.to_string())?;
    tok.with_pre_tokenizer(Some(split));
    let mut decoders: Vec<DecoderWrapper> = vec![
        tokenizers::decoders::DecoderWrapper::Replace(
            Replace::new(SPIECE_UNDERLINE, " ").map_err(|e| e.to_string())?,
        ),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ];
    if add_space_prefix {
        decoders.push(Strip::new(' ', 1, 0).into());
    }
    tok.with_decoder(Some(DecoderSequence::new(decoders)));
    Ok(tok)
}

/// piece -> id; a duplicated piece keeps its first id (later duplicates are unreachable in
/// SentencePiece too).
fn vocab_map(pieces: &[String]) -> Vocab {
    let mut vocab = Vocab::default();
    for (i, p) in pieces.iter().enumerate() {
        vocab.entry(p.clone()).or_insert(i as u32);
    }
    vocab
}

/// Merges that make HF's rank-ordered BPE behave like SentencePiece's score-ordered BPE: every
/// split of every piece into two pieces of the vocabulary, ordered by the merged piece's score
/// (highest first), then by the lengths (in chars) of the left and right part (longest first),
/// ties in vocabulary order of the piece and then of (left id, right id).
pub fn merges_from_scores(
    pieces: &[String],
    scores: &[f32],
    vocab: &Vocab,
) -> Vec<(String, String)> {
    struct Cand {
        score: f32,
        left_len: usize,
        right_len: usize,
        left: u32,
        right: u32,
    }
    let mut cands: Vec<Cand> = Vec::new();
    let mut local: Vec<Cand> = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        if vocab.get(piece) != Some(&(i as u32)) {
            continue; // a shadowed duplicate
        }
        local.clear();
        let n_chars = piece.chars().count();
        for (k, (split, _)) in piece.char_indices().enumerate().skip(1) {
            let (l, r) = piece.split_at(split);
            if let (Some(&li), Some(&ri)) = (vocab.get(l), vocab.get(r)) {
                local.push(Cand {
                    score: scores[i],
                    left_len: k,
                    right_len: n_chars - k,
                    left: li,
                    right: ri,
                });
            }
        }
        local.sort_by_key(|c| (c.left, c.right));
        cands.append(&mut local);
    }
    // Stable sort, descending; -0.0 and 0.0 compare equal, as in Python.
    cands.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.left_len.cmp(&a.left_len))
            .then(b.right_len.cmp(&a.right_len))
    });
    cands
        .into_iter()
        .map(|c| {
            (
                pieces[c.left as usize].clone(),
                pieces[c.right as usize].clone(),
            )
        })
        .collect()
}

/// The pre-tokenizer for a `tokenizer.ggml.pre` name (llama.cpp's list, same regexes as the
/// models' `tokenizer.json`).
fn byte_level_pre_tokenizer(pre: &str) -> Option<(PreTokenizerWrapper, bool)> {
    let regex_then_bytes = |pattern: &str| -> Option<PreTokenizerWrapper> {
        let split = Split::new(
            SplitPattern::Regex(pattern.into()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .ok()?;
        Some(
            PreTokenizerSequence::new(vec![
                split.into(),
                ByteLevel::new(false, true, false).into(),
            ])
            .into(),
        )
    };
    // The bool: BPE `ignore_merges` (Llama 3 looks whole words up in the vocabulary first).
    Some(match pre {
        "llama-bpe" | "llama3" | "llama-v3" | "dbrx" | "smaug-bpe" => {
            (regex_then_bytes(LLAMA3_PATTERN)?, true)
        }
        "qwen2" | "stablelm2" | "deepseek-r1-qwen" => (regex_then_bytes(QWEN2_PATTERN)?, false),
        "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" => (
            PreTokenizerSequence::new(vec![
                Digits::new(true).into(),
                ByteLevel::new(false, true, true).into(),
            ])
            .into(),
            false,
        ),
        "default" | "gpt2" | "gpt-2" | "mpt" | "olmo" | "jais" => {
            (ByteLevel::new(false, true, true).into(), false)
        }
        _ => return None,
    })
}

fn build_byte_level(
    v: &GgufVocab,
    merges: &[String],
    (pre, ignore_merges): (PreTokenizerWrapper, bool),
) -> BuildResult<tokenizers::Tokenizer> {
    let vocab = vocab_map(&v.tokens);
    let mut pairs = Vec::with_capacity(merges.len());
    for (i, m) in merges.iter().enumerate() {
        let (a, b) = m
            .split_once(' ')
            .ok_or_else(|| format!("merge {i} `{m}` is not two tokens separated by a space"))?;
        pairs.push((a.to_string(), b.to_string()));
    }
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, pairs)
        .ignore_merges(ignore_merges)
        .build()
        .map_err(|e| e.to_string())?;
    let mut tok = tokenizers::Tokenizer::new(bpe);
    tok.with_pre_tokenizer(Some(pre));
    tok.with_decoder(Some(ByteLevelDecoder::new(false, true, true)));
    Ok(tok)
}

/// Control tokens (special) and user-defined tokens become added tokens, matched verbatim.
fn add_special_tokens(tok: &mut tokenizers::Tokenizer, v: &GgufVocab) {
    let mut added = Vec::new();
    for (t, &ty) in v.tokens.iter().zip(&v.types) {
        let special = match ty {
            token_type::CONTROL => true,
            token_type::USER_DEFINED => false,
            _ => continue,
        };
        if t.is_empty() {
            continue;
        }
        // The vocabulary spells spaces in user-defined pieces as `▁` (see build_spm); added tokens
        // are matched on the raw text, where HF's file also spells them with `▁`.
        let content = if ty == token_type::USER_DEFINED {
            t.replace(' ', SPIECE_UNDERLINE)
        } else {
            t.clone()
        };
        added.push(AddedToken::from(content, special).normalized(false));
    }
    tok.add_tokens(&added);
}

/// Single: `[BOS] $A [EOS]` as the flags say; pair repeats it for `$B`.
fn post_processor(v: &GgufVocab) -> BuildResult<Option<PostProcessorWrapper>> {
    let mut specials = serde_json::Map::new();
    let mut piece = |id: Option<u32>, on: bool| -> Option<serde_json::Value> {
        let id = id.filter(|_| on)?;
        let token = v.tokens[id as usize].clone();
        specials.insert(
            token.clone(),
            serde_json::json!({"id": token, "ids": [id], "tokens": [token]}),
        );
        Some(serde_json::json!({"SpecialToken": {"id": token, "type_id": 0}}))
    };
    let bos = piece(v.bos, v.add_bos);
    let eos = piece(v.eos, v.add_eos);
    if bos.is_none() && eos.is_none() {
        return Ok(None);
    }
    let seq =
        |s: &str, type_id: u32| serde_json::json!({"Sequence": {"id": s, "type_id": type_id}});
    let with_type = |p: &Option<serde_json::Value>, type_id: u32| {
        p.as_ref().map(|p| {
            let mut p = p.clone();
            p["SpecialToken"]["type_id"] = type_id.into();
            p
        })
    };
    let single: Vec<_> = [bos.clone(), Some(seq("A", 0)), eos.clone()]
        .into_iter()
        .flatten()
        .collect();
    let pair: Vec<_> = [
        bos.clone(),
        Some(seq("A", 0)),
        eos.clone(),
        with_type(&bos, 1),
        Some(seq("B", 1)),
        with_type(&eos, 1),
    ]
    .into_iter()
    .flatten()
    .collect();
    let json = serde_json::json!({
        "type": "TemplateProcessing",
        "single": single,
        "pair": pair,
        "special_tokens": specials,
    });
    serde_json::from_value(json)
        .map(Some)
        .map_err(|e| e.to_string())
}
