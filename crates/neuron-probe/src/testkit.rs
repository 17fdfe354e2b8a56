//! Test doubles (feature `testkit`): a tiny deterministic [`NeuronModel`] with
//! language-dependent activations, whose construction fixes which bridge the pipeline must
//! find, and [`FixtureInputs`], texts and word lists held in memory.
//!
//! Construction:
//! - tokens are characters (`id = code point + 3`, BOS = 1); each fake language owns an
//!   alphabet, every other character (ASCII of the prompt template, spaces) is neutral;
//! - neurons are assigned, in every layer, to groups; a group has home languages and fires
//!   (`0.2 + 0.7 u(c) + 0.1 j`, > 0) on characters of its home languages and is silent
//!   (< 0) elsewhere; neurons in no group fire on about 10 % of characters at random;
//! - `u(c)` is one hidden per-character feature shared by all neurons; when silent, a
//!   *coupled* group still follows `u` (`-0.2 + 0.15 u(c)`), an uncoupled one follows its own
//!   per-neuron random feature instead.
//!
//! So on source-language probe words the `{s, t}` overlap group moves with `u`, and so does a
//! coupled candidate's group, while uncoupled candidates move independently: HSIC must rank the
//! coupled candidate first. Greedy translation answers from a lexicon, so the understanding
//! filter keeps exactly the words the lexicon knows.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::data::Inputs;
use crate::error::{ProbeError, Result};
use crate::model::{CaptureSite, CorpusStats, ModelIdentity, NeuronModel};
use crate::probe::{ProbeDictionary, ProbeEntry};
use crate::stats::{DataFile, LanguageText, TextSelection};

/// BOS token id of the fake model.
pub const FAKE_BOS: u32 = 1;
const CHAR_OFFSET: u32 = 3;

/// A fake language: a code and the characters its text is written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FakeLanguage {
    pub code: String,
    pub alphabet: Vec<char>,
}

/// `per_layer` neurons in every layer that fire on the home languages' characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeuronGroup {
    pub langs: Vec<String>,
    pub per_layer: usize,
    /// Silent values follow the shared feature `u` (see the module docs).
    pub coupled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FakeConfig {
    pub layers: usize,
    pub neurons: usize,
    pub languages: Vec<FakeLanguage>,
    pub groups: Vec<NeuronGroup>,
    /// Source word -> the answer greedy translation gives.
    pub lexicon: BTreeMap<String, String>,
    pub seed: u64,
}

/// How often each model method ran (the pipeline's cache tests count them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FakeCalls {
    pub corpus_stats: usize,
    pub prompt_means: usize,
    pub greedy: usize,
    pub loglik: usize,
    /// Windows, prompts and generations processed in those calls.
    pub windows: usize,
    pub prompts: usize,
    pub generations: usize,
}

impl FakeCalls {
    /// Calls that compute activations or generate (everything but tokenisation).
    pub fn total(&self) -> usize {
        self.corpus_stats + self.prompt_means + self.greedy + self.loglik
    }
}

#[derive(Debug, Clone)]
pub struct FakeModel {
    config: FakeConfig,
    digest: String,
    /// Reported precision (the fake computes the same in any): tests of what keys results.
    precision: String,
    /// Fail every compute call once this many have run (a killed run, for resume tests).
    fail_after: Option<usize>,
    char_lang: HashMap<char, usize>,
    /// Per neuron index within a layer: (group, home-language mask).
    slot: Vec<Option<(usize, Vec<bool>)>>,
    pub calls: FakeCalls,
}

/// splitmix64: a well-mixed deterministic hash for the synthetic activations.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit(seed: u64, a: u64, b: u64, c: u64) -> f32 {
    let h = mix(mix(mix(seed ^ a) ^ b) ^ c);
    (h >> 40) as f32 / (1u64 << 24) as f32
}

impl FakeModel {
    pub fn new(config: FakeConfig) -> Result<Self> {
        let mut char_lang = HashMap::new();
        for (i, lang) in config.languages.iter().enumerate() {
            for &c in &lang.alphabet {
                if let Some(prev) = char_lang.insert(c, i) {
                    return Err(ProbeError::param(
                        "languages",
                        format!(
                            "character {c:?} is in the alphabets of both `{}` and `{}`",
                            config.languages[prev].code, lang.code
                        ),
                    ));
                }
            }
        }
        let mut slot = vec![None; config.neurons];
        let mut next = 0usize;
        for (g, group) in config.groups.iter().enumerate() {
            let mask: Vec<bool> = config
                .languages
                .iter()
                .map(|l| group.langs.contains(&l.code))
                .collect();
            for s in slot.iter_mut().skip(next).take(group.per_layer) {
                *s = Some((g, mask.clone()));
            }
            next += group.per_layer;
        }
        if next > config.neurons {
            return Err(ProbeError::param(
                "groups",
                format!(
                    "{next} grouped neurons per layer, the model has {}",
                    config.neurons
                ),
            ));
        }
        let digest = hex::encode(Sha256::digest(
            serde_json::to_vec(&config).map_err(|e| ProbeError::param("config", e.to_string()))?,
        ));
        Ok(FakeModel {
            config,
            digest,
            precision: "f32".into(),
            fail_after: None,
            char_lang,
            slot,
            calls: FakeCalls::default(),
        })
    }

    pub fn config(&self) -> &FakeConfig {
        &self.config
    }

    /// The same model failing every compute call after `calls` have run: a run killed part-way.
    pub fn failing_after(mut self, calls: usize) -> Self {
        self.fail_after = Some(calls);
        self
    }

    fn check_alive(&self, op: &'static str) -> Result<()> {
        match self.fail_after {
            Some(n) if self.calls.total() >= n => Err(ProbeError::Contract {
                model: "fake".into(),
                op,
                what: format!("simulated failure after {n} calls (an interrupted run)"),
            }),
            _ => Ok(()),
        }
    }

    /// The same model reporting another identity (digest, precision): for tests of what keys
    /// results and artifacts. It computes exactly as before.
    pub fn relabelled(mut self, digest: &str, precision: &str) -> Self {
        self.digest = digest.to_string();
        self.precision = precision.to_string();
        self
    }

    /// First neuron index (within every layer) of group `g`.
    pub fn group_offset(&self, g: usize) -> usize {
        self.config.groups[..g].iter().map(|x| x.per_layer).sum()
    }

    /// The value at `act(gate(x))` of neuron `n` of layer `layer` on token `id`.
    pub fn activation(&self, layer: usize, n: usize, id: u32) -> f32 {
        let seed = self.config.seed;
        let Some(c) = id.checked_sub(CHAR_OFFSET).and_then(char::from_u32) else {
            return -0.1; // special tokens
        };
        let c64 = c as u64;
        let (l64, n64) = (layer as u64 + 1, n as u64 + 1);
        let u = unit(seed, 0, 0, c64);
        let own = unit(seed, l64, n64, c64);
        let jitter = unit(seed ^ 0x5555, l64, n64, c64);
        match &self.slot[n] {
            Some((g, mask)) => {
                let home = self.char_lang.get(&c).is_some_and(|&li| mask[li]);
                if home {
                    0.2 + 0.7 * u + 0.1 * jitter
                } else if self.config.groups[*g].coupled {
                    -0.2 + 0.15 * u - 0.02 * jitter
                } else {
                    -0.2 + 0.15 * own - 0.02 * jitter
                }
            }
            None => own - 0.9,
        }
    }

    fn site_value(&self, layer: usize, n: usize, id: u32, site: CaptureSite) -> f32 {
        let act = self.activation(layer, n, id);
        // Synthetic but consistent: sign of gate_pre = sign of act; up is positive.
        let up = 0.5 + unit(self.config.seed ^ 0xAAAA, layer as u64, n as u64, id as u64);
        match site {
            CaptureSite::GateAct => act,
            CaptureSite::GatePre => 2.0 * act,
            CaptureSite::Up => up,
            CaptureSite::Product => act * up,
        }
    }

    fn decode(tokens: &[u32]) -> String {
        tokens
            .iter()
            .filter_map(|&t| t.checked_sub(CHAR_OFFSET).and_then(char::from_u32))
            .collect()
    }

    /// The continuation greedy decoding gives (before stop strings and the token budget).
    fn continuation(&self, prompt: &str) -> String {
        let word = prompt
            .split_once(":\"")
            .and_then(|(_, rest)| rest.split_once("\"\u{2192}"))
            .map(|(w, _)| w);
        match word.and_then(|w| self.config.lexicon.get(w)) {
            Some(answer) => format!(" \"{answer}\"\nEnglish:"),
            None => " \"?\"\n".to_string(),
        }
    }
}

impl NeuronModel for FakeModel {
    fn identity(&self) -> ModelIdentity {
        ModelIdentity {
            name: "fake".into(),
            digest: self.digest.clone(),
            architecture: "fake".into(),
            precision: self.precision.clone(),
            layers: self.config.layers,
            neurons: self.config.neurons,
        }
    }
    fn layers(&self) -> usize {
        self.config.layers
    }
    fn neurons(&self) -> usize {
        self.config.neurons
    }
    fn bos_id(&self) -> Option<u32> {
        Some(FAKE_BOS)
    }
    fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() + 1);
        if add_bos {
            out.push(FAKE_BOS);
        }
        out.extend(text.chars().map(|c| c as u32 + CHAR_OFFSET));
        Ok(out)
    }

    fn corpus_stats(&mut self, windows: &[Vec<u32>], site: CaptureSite) -> Result<CorpusStats> {
        self.check_alive("corpus_stats")?;
        self.calls.corpus_stats += 1;
        self.calls.windows += windows.len();
        let (layers, neurons) = (self.config.layers, self.config.neurons);
        let mut st = CorpusStats::zeros(layers, neurons);
        for w in windows {
            let skip = usize::from(w.first() == Some(&FAKE_BOS));
            for &id in &w[skip..] {
                st.tokens += 1;
                for l in 0..layers {
                    for n in 0..neurons {
                        let v = self.site_value(l, n, id, site);
                        let k = l * neurons + n;
                        st.over_zero[k] += u64::from(v > 0.0);
                        st.sum[k] += v as f64;
                        st.sum_sq[k] += (v as f64) * (v as f64);
                    }
                }
            }
        }
        Ok(st)
    }

    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        include_generated: bool,
    ) -> Result<Vec<f32>> {
        self.check_alive("prompt_means")?;
        self.calls.prompt_means += 1;
        self.calls.prompts += prompts.len();
        let (layers, neurons) = (self.config.layers, self.config.neurons);
        let mut out = Vec::with_capacity(prompts.len() * layers * neurons);
        for p in prompts {
            let skip = usize::from(p.first() == Some(&FAKE_BOS));
            let mut tokens = p[skip..].to_vec();
            if include_generated {
                let generated = self.continuation(&Self::decode(&tokens));
                let generated = generated.split('\n').next().unwrap_or("");
                tokens.extend(self.encode(generated, false)?);
            }
            let count = tokens.len().max(1) as f32;
            for l in 0..layers {
                for n in 0..neurons {
                    let s: f32 = tokens
                        .iter()
                        .map(|&id| self.site_value(l, n, id, site))
                        .sum();
                    out.push(s / count);
                }
            }
        }
        Ok(out)
    }

    fn greedy(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>> {
        self.check_alive("greedy")?;
        self.calls.greedy += 1;
        self.calls.generations += prompts.len();
        Ok(prompts
            .iter()
            .map(|p| {
                let mut text: String = self.continuation(p).chars().take(max_new_tokens).collect();
                if let Some(cut) = stop.iter().filter_map(|s| text.find(s)).min() {
                    text.truncate(cut);
                }
                text
            })
            .collect())
    }

    /// 0 where the fake's own continuation starts with the (left-trimmed) candidate, minus
    /// the candidate's length in characters otherwise: greedy output is always the likeliest.
    fn continuation_logprobs(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>> {
        self.check_alive("continuation_logprobs")?;
        self.calls.loglik += 1;
        Ok(pairs
            .iter()
            .map(|(p, c)| {
                let own = self.continuation(p);
                if own.trim_start().starts_with(c.trim_start()) {
                    0.0
                } else {
                    -(c.chars().count() as f64)
                }
            })
            .collect())
    }
}

/// A complete synthetic world: a fake model, FLORES-like texts and a probe dictionary for one
/// pair, built so that the HSIC bridge of `source → target` must be `bridge`.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub model: FakeModel,
    pub texts: Vec<LanguageText>,
    pub dictionary: ProbeDictionary,
    pub source: String,
    pub target: String,
    /// The candidate whose neurons the construction couples to the overlap neurons.
    pub bridge: String,
    pub candidates: Vec<String>,
    /// Dictionary words the fake model translates correctly.
    pub known_words: usize,
}

/// Sizes of a [`Scenario`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioSize {
    pub layers: usize,
    pub neurons: usize,
    /// Overlap (`{s, t}`) neurons per layer; candidate groups get the same number.
    pub overlap_per_layer: usize,
    pub sentences: usize,
    pub dictionary_words: usize,
    /// Every `unknown_every`-th dictionary word is answered wrongly (0 = all known).
    pub unknown_every: usize,
}

impl Default for ScenarioSize {
    fn default() -> Self {
        ScenarioSize {
            layers: 6,
            neurons: 48,
            overlap_per_layer: 4,
            sentences: 40,
            dictionary_words: 120,
            unknown_every: 4,
        }
    }
}

impl Scenario {
    /// `candidates` must contain `bridge`; every code must be known to `langs` (the probe
    /// prompt uses native names).
    pub fn new(
        source: &str,
        target: &str,
        bridge: &str,
        candidates: &[&str],
        size: ScenarioSize,
    ) -> Result<Self> {
        if !candidates.contains(&bridge) {
            return Err(ProbeError::param(
                "bridge",
                format!("`{bridge}` is not among the candidates"),
            ));
        }
        let mut codes: Vec<String> = vec![source.into(), target.into()];
        codes.extend(candidates.iter().map(|c| c.to_string()));
        // Each language writes in 16 private-use characters, disjoint from the template's ASCII.
        let languages: Vec<FakeLanguage> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| FakeLanguage {
                code: code.clone(),
                alphabet: (0..16u32)
                    .filter_map(|k| char::from_u32(0xE000 + 32 * i as u32 + k))
                    .collect(),
            })
            .collect();
        let m = size.overlap_per_layer;
        let mut groups = vec![
            NeuronGroup {
                langs: vec![source.into(), target.into()],
                per_layer: m,
                coupled: true,
            },
            NeuronGroup {
                langs: vec![source.into()],
                per_layer: m,
                coupled: false,
            },
            NeuronGroup {
                langs: vec![target.into()],
                per_layer: m,
                coupled: false,
            },
        ];
        groups.extend(candidates.iter().map(|&c| NeuronGroup {
            langs: vec![c.into()],
            per_layer: m,
            coupled: c == bridge,
        }));

        let word = |lang: usize, k: usize, salt: u64| -> String {
            let alphabet = &languages[lang].alphabet;
            (0..5)
                .map(|p| {
                    alphabet[(mix(salt ^ mix((k * 8 + p) as u64)) % alphabet.len() as u64) as usize]
                })
                .collect()
        };
        let texts = languages
            .iter()
            .enumerate()
            .map(|(li, lang)| {
                let sentences: Vec<String> = (0..size.sentences)
                    .map(|s| {
                        (0..6)
                            .map(|w| word(li, s * 6 + w, 0x7E47))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                let sha = hex::encode(Sha256::digest(sentences.join("\n").as_bytes()));
                LanguageText {
                    lang: lang.code.clone(),
                    sentences,
                    files: vec![DataFile {
                        path: format!("fixture/{}.txt", lang.code),
                        sha256: sha,
                    }],
                    selection: TextSelection::default(),
                }
            })
            .collect();

        let mut lexicon = BTreeMap::new();
        let mut entries = Vec::new();
        let mut known_words = 0;
        for k in 0..size.dictionary_words {
            let source_word = word(0, k, 0xD1C7);
            let gold = word(1, k, 0x601D);
            let known = size.unknown_every == 0 || k % size.unknown_every != size.unknown_every - 1;
            let answer = if known {
                known_words += 1;
                gold.clone()
            } else {
                gold.chars().rev().collect()
            };
            lexicon.insert(source_word.clone(), answer);
            entries.push(ProbeEntry {
                source: source_word,
                targets: vec![gold],
            });
        }
        let dict_sha = hex::encode(Sha256::digest(
            entries
                .iter()
                .map(|e| format!("{} {}\n", e.source, e.targets[0]))
                .collect::<String>(),
        ));
        let model = FakeModel::new(FakeConfig {
            layers: size.layers,
            neurons: size.neurons,
            languages,
            groups,
            lexicon,
            seed: 42,
        })?;
        Ok(Scenario {
            model,
            texts,
            dictionary: ProbeDictionary {
                src: source.into(),
                trg: target.into(),
                origin: "fixture".into(),
                split: "all".into(),
                files: vec![DataFile {
                    path: format!("fixture/{source}-{target}.txt"),
                    sha256: dict_sha,
                }],
                entries,
            },
            source: source.into(),
            target: target.into(),
            bridge: bridge.into(),
            candidates: candidates.iter().map(|c| c.to_string()).collect(),
            known_words,
        })
    }
}

/// Texts and dictionaries held in memory, e.g. a [`Scenario`]'s. One dictionary per ordered
/// pair serves every split.
#[derive(Debug, Clone, Default)]
pub struct FixtureInputs {
    pub texts: Vec<LanguageText>,
    pub dictionaries: Vec<ProbeDictionary>,
}

impl FixtureInputs {
    /// The texts and the one dictionary of a synthetic scenario.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        FixtureInputs {
            texts: scenario.texts.clone(),
            dictionaries: vec![scenario.dictionary.clone()],
        }
    }

    fn text(&self, lang: &str) -> Result<&LanguageText> {
        self.texts.iter().find(|t| t.lang == lang).ok_or_else(|| {
            ProbeError::data(format!(
                "the fixture has no text for `{lang}` (it has: {})",
                self.texts
                    .iter()
                    .map(|t| t.lang.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

impl Inputs for FixtureInputs {
    fn language_text(&self, lang: &str, selection: &TextSelection) -> Result<LanguageText> {
        if selection.include_sib_dev {
            return Err(ProbeError::param(
                "include_sib_dev",
                "the fixture has no SIB-200 text; leave out --sib-dev",
            ));
        }
        let mut text = self.text(lang)?.clone();
        text.selection = selection.apply(&mut text.sentences);
        Ok(text)
    }

    fn dictionary(
        &self,
        src: &str,
        trg: &str,
        _split: muse_dict::Split,
    ) -> Result<ProbeDictionary> {
        self.dictionaries
            .iter()
            .find(|d| d.src == src && d.trg == trg)
            .cloned()
            .ok_or_else(|| ProbeError::data(format!("the fixture has no {src}-{trg} dictionary")))
    }

    fn flores(&self, lang: &str) -> Result<Vec<String>> {
        Ok(self.text(lang)?.sentences.clone())
    }

    fn store(&self) -> Option<&fetch::DataStore> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_neurons_fire_on_home_characters_only() {
        let sc = Scenario::new("en", "sw", "pt", &["de", "pt"], ScenarioSize::default()).unwrap();
        let m = &sc.model;
        let en_char = m.config().languages[0].alphabet[3] as u32 + CHAR_OFFSET;
        let de_char = m.config().languages[2].alphabet[3] as u32 + CHAR_OFFSET;
        // group 0 = {en, sw}: fires on en, silent on de.
        assert!(m.activation(2, 0, en_char) > 0.0);
        assert!(m.activation(2, 0, de_char) < 0.0);
        // group 3 = {de}: the reverse.
        let g3 = m.group_offset(3);
        assert!(m.activation(2, g3, de_char) > 0.0);
        assert!(m.activation(2, g3, en_char) < 0.0);
    }

    #[test]
    fn greedy_answers_from_lexicon_with_stop_and_budget() {
        let sc = Scenario::new("en", "sw", "pt", &["de", "pt"], ScenarioSize::default()).unwrap();
        let mut m = sc.model.clone();
        let e = &sc.dictionary.entries[0];
        let prompt = format!("English:\"{}\"\u{2192}Kiswahili:", e.source);
        let out = m
            .greedy(std::slice::from_ref(&prompt), 30, &["\n"])
            .unwrap();
        assert_eq!(out[0], format!(" \"{}\"", e.targets[0]));
        let cut = m.greedy(&[prompt], 3, &["\n"]).unwrap();
        assert_eq!(cut[0].chars().count(), 3);
        assert_eq!(m.calls.greedy, 2);
    }

    #[test]
    fn overlapping_alphabets_are_rejected() {
        let lang = |code: &str| FakeLanguage {
            code: code.into(),
            alphabet: vec!['a'],
        };
        let cfg = FakeConfig {
            layers: 1,
            neurons: 1,
            languages: vec![lang("x"), lang("y")],
            groups: vec![],
            lexicon: BTreeMap::new(),
            seed: 0,
        };
        assert!(FakeModel::new(cfg).is_err());
    }
}
