//! Values the commands take: language pairs and lists, layer windows, routes, and the
//! choices of the method's variants, each parsed with a message that says what is expected.
//!
//! The enums derive [`clap::ValueEnum`] so that `--help` lists their values; each converts
//! into the type of the crate that implements the choice.

use std::fmt;
use std::str::FromStr;

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::error::ArgError;

/// A registry language, parsed from an ISO 639-1 or FLORES-200 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(pub &'static langs::Language);

impl Lang {
    pub fn code(&self) -> &'static str {
        self.0.code
    }
}

impl FromStr for Lang {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Self, ArgError> {
        Ok(Lang(langs::get(s.trim())?))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code)
    }
}

/// `SRC-TGT`, two different registry languages (`en-sw`, `zho_Hans-jpn_Jpan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LanguagePair {
    pub source: &'static langs::Language,
    pub target: &'static langs::Language,
}

impl LanguagePair {
    /// The pair of two codes (ISO or FLORES).
    pub fn new(source: &str, target: &str) -> Result<Self, ArgError> {
        format!("{source}-{target}").parse()
    }

    /// `en-sw`, as used in file names.
    pub fn label(&self) -> String {
        format!("{}-{}", self.source.code, self.target.code)
    }
}

impl FromStr for LanguagePair {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Self, ArgError> {
        let bad = || ArgError::BadPair {
            given: s.to_string(),
        };
        // FLORES codes contain `_`, never `-`, so the one `-` separates the two codes.
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        if a.is_empty() || b.is_empty() || b.contains('-') {
            return Err(bad());
        }
        let source = langs::get(a)?;
        let target = langs::get(b)?;
        if source.code == target.code {
            return Err(ArgError::SamePair {
                given: s.to_string(),
                code: source.code.to_string(),
            });
        }
        Ok(LanguagePair { source, target })
    }
}

impl fmt::Display for LanguagePair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.source.code, self.target.code)
    }
}

/// An inclusive range of layers, `FIRST-LAST` (or a single `N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRange {
    pub first: usize,
    pub last: usize,
}

impl LayerRange {
    /// The window for a model of `layers` layers.
    pub fn window(&self, layers: usize) -> Result<hsic::LayerWindow, ArgError> {
        hsic::LayerWindow::new(self.first, self.last, layers).map_err(|_| {
            ArgError::WindowOutsideModel {
                first: self.first,
                last: self.last,
                layers,
            }
        })
    }
}

impl FromStr for LayerRange {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Self, ArgError> {
        let bad = || ArgError::BadLayerWindow {
            given: s.to_string(),
        };
        let t = s.trim();
        let (a, b) = t.split_once('-').unwrap_or((t, t));
        let first: usize = a.trim().parse().map_err(|_| bad())?;
        let last: usize = b.trim().parse().map_err(|_| bad())?;
        if first > last {
            return Err(bad());
        }
        Ok(LayerRange { first, last })
    }
}

impl fmt::Display for LayerRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// An evaluation route: `direct` or `bridge:XX` (any registry code; stored as ISO).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouteArg(pub xicl_eval::Route);

impl FromStr for RouteArg {
    type Err = ArgError;
    fn from_str(s: &str) -> Result<Self, ArgError> {
        let t = s.trim();
        match t.parse::<xicl_eval::Route>() {
            Ok(xicl_eval::Route::Direct) => Ok(RouteArg(xicl_eval::Route::Direct)),
            Ok(xicl_eval::Route::Bridge(code)) => Ok(RouteArg(xicl_eval::Route::Bridge(
                langs::get(&code)?.code.to_string(),
            ))),
            Err(_) => Err(ArgError::BadRoute {
                given: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for RouteArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What goes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// Aligned terminal tables.
    #[default]
    Table,
    /// The JSON document that is also written under --out.
    Json,
}

/// Which neurons stand for a candidate bridge (docs/METHOD.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum BridgeSetArg {
    /// Per layer, the top |O_st| neurons of T_k \ O_st by mean probe activation.
    #[default]
    Default,
    /// T_k as a whole.
    Whole,
    /// T_k ∩ (T_s ∪ T_t): bridge neurons shared with the source or the target.
    Shared,
}

impl From<BridgeSetArg> for overlap::BridgeVariant {
    fn from(a: BridgeSetArg) -> Self {
        match a {
            BridgeSetArg::Default => overlap::BridgeVariant::TopByProbeMean,
            BridgeSetArg::Whole => overlap::BridgeVariant::Whole,
            BridgeSetArg::Shared => overlap::BridgeVariant::SharedWithPair,
        }
    }
}

/// The kernel statistic of the bridge score (docs/METHOD.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum HsicArg {
    /// tr(K_i H L_j), the reference code's score.
    #[default]
    Reference,
    /// Biased HSIC tr(K H L H)/(S-1)^2.
    Standard,
    /// Normalised HSIC (CKA).
    Cka,
}

impl From<HsicArg> for hsic::ScoreKind {
    fn from(a: HsicArg) -> Self {
        match a {
            HsicArg::Reference => hsic::ScoreKind::Reference,
            HsicArg::Standard => hsic::ScoreKind::Standard,
            HsicArg::Cka => hsic::ScoreKind::Cka,
        }
    }
}

/// Where σ of a layer comes from (docs/METHOD.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SigmaArg {
    /// The median distance over the overlap and the candidate's rows together (the reference
    /// code's; σ then follows |B_k|)
    #[default]
    Pooled,
    /// The median distance over the overlap rows: one σ per layer for every candidate
    Overlap,
}

impl From<SigmaArg> for hsic::SigmaRule {
    fn from(a: SigmaArg) -> Self {
        match a {
            SigmaArg::Pooled => hsic::SigmaRule::Pooled,
            SigmaArg::Overlap => hsic::SigmaRule::Overlap,
        }
    }
}

/// Which window layers a bridge score averages (docs/METHOD.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LayersArg {
    /// The candidate's layers that have a score
    #[default]
    Own,
    /// The layers where every candidate has a score
    Common,
    /// Every window layer, a missing score as 0 (the reference code's)
    AllZero,
}

impl From<LayersArg> for hsic::LayerAggregation {
    fn from(a: LayersArg) -> Self {
        match a {
            LayersArg::Own => hsic::LayerAggregation::SkipMissing,
            LayersArg::Common => hsic::LayerAggregation::Common,
            LayersArg::AllZero => hsic::LayerAggregation::MissingAsZero,
        }
    }
}

/// How the HSIC neuron-pair matrix is computed (same quantity, different cost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum EngineArg {
    /// The certified series engine, dense where its certificate fails.
    #[default]
    Auto,
    /// The series engine only.
    Series,
    /// Every Gram entry evaluated.
    Dense,
}

impl EngineArg {
    pub fn engine(self) -> hsic::Engine {
        match self {
            EngineArg::Auto => hsic::Engine::default(),
            EngineArg::Series => hsic::Engine::Series {
                tol: hsic::DEFAULT_TOL,
            },
            EngineArg::Dense => hsic::Engine::Dense,
        }
    }
}

/// How language neuron sets are built (docs/METHOD.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SetsArg {
    /// Neurons at or above the (1 - top rate) quantile of P(act > 0).
    #[default]
    TopRate,
    /// LAPE: lowest-entropy neurons over the languages of the run.
    Lape,
}

/// What each confidence replicate redraws (docs/METHOD.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ResampleArg {
    /// The probe samples, with replacement (the bootstrap).
    #[default]
    Samples,
    /// The probe words, without replacement, from a larger pool of probe words.
    Words,
}

/// Which generic neurons (active for every language alike) are left out before the sets are
/// taken (docs/METHOD.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum GenericArg {
    /// Keep them (the reference method).
    #[default]
    Keep,
    /// Leave out the neurons in every language's set, then take the sets from the rest.
    InEverySet,
    /// Leave out the neurons with P(act > 0) at or above --generic-bar in every language.
    AboveBar,
}

/// The generic-neuron rule of `--generic` and `--generic-bar`.
pub fn generic_neurons(generic: GenericArg, bar: f64) -> Result<overlap::GenericNeurons, ArgError> {
    if !(0.0..=1.0).contains(&bar) || bar == 0.0 {
        return Err(ArgError::invalid(
            "generic-bar",
            format!("{bar} is not a probability in (0, 1]; the default is 0.99"),
        ));
    }
    Ok(match generic {
        GenericArg::Keep => overlap::GenericNeurons::Keep,
        GenericArg::InEverySet => overlap::GenericNeurons::InEverySet,
        GenericArg::AboveBar => overlap::GenericNeurons::AboveBar { bar },
    })
}

/// The cut-off of the top-rate rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ThresholdArg {
    /// Linear-interpolated quantile (numpy/torch default).
    #[default]
    Quantile,
    /// torch.kthvalue at the rounded rank, as the reference code.
    Kthvalue,
}

/// Build the set rule from the flags.
pub fn set_method(
    sets: SetsArg,
    top_rate: f64,
    threshold: ThresholdArg,
    lape_bar: f64,
) -> Result<overlap::SetMethod, ArgError> {
    if !(top_rate > 0.0 && top_rate < 1.0) {
        return Err(ArgError::invalid(
            "top-rate",
            format!("{top_rate} is not a fraction in (0, 1); the method's default is 0.01"),
        ));
    }
    if !(0.0..1.0).contains(&lape_bar) {
        return Err(ArgError::invalid(
            "lape-bar",
            format!("{lape_bar} is not a fraction in [0, 1); the default is 0.95"),
        ));
    }
    Ok(match sets {
        SetsArg::TopRate => overlap::SetMethod::TopRate {
            top_rate,
            threshold: match threshold {
                ThresholdArg::Quantile => overlap::Threshold::Quantile,
                ThresholdArg::Kthvalue => overlap::Threshold::KthValue,
            },
        },
        SetsArg::Lape => overlap::SetMethod::Lape {
            top_rate,
            filter_rate: lape_bar,
            activation_bar_ratio: lape_bar,
        },
    })
}

/// Where in the gated MLP neurons are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SiteArg {
    /// gate(x), before the activation function.
    GatePre,
    /// act(gate(x)): the method's site.
    #[default]
    GateAct,
    /// up(x).
    Up,
    /// act(gate(x)) * up(x), what enters down.
    Product,
}

impl From<SiteArg> for neuron_probe::CaptureSite {
    fn from(a: SiteArg) -> Self {
        match a {
            SiteArg::GatePre => neuron_probe::CaptureSite::GatePre,
            SiteArg::GateAct => neuron_probe::CaptureSite::GateAct,
            SiteArg::Up => neuron_probe::CaptureSite::Up,
            SiteArg::Product => neuron_probe::CaptureSite::Product,
        }
    }
}

/// Float precision of the forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum DtypeArg {
    #[default]
    F32,
    Bf16,
    F16,
}

impl From<DtypeArg> for llm_runtime::Dtype {
    fn from(a: DtypeArg) -> Self {
        match a {
            DtypeArg::F32 => llm_runtime::Dtype::F32,
            DtypeArg::Bf16 => llm_runtime::Dtype::Bf16,
            DtypeArg::F16 => llm_runtime::Dtype::F16,
        }
    }
}

/// A downstream task of docs/METHOD.md §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskArg {
    /// Word translation SRC→TGT on the dictionary's test split (precision@1).
    Bli,
    /// FLORES-200 devtest translation SRC→TGT (chrF++, BLEU).
    Mt,
    /// XCOPA commonsense choice in TGT (accuracy).
    Xcopa,
    /// SIB-200 topic classification of TGT sentences (accuracy).
    Sib,
    /// Belebele: passage in TGT, question and options in SRC (accuracy, first 500).
    Belebele,
}

impl TaskArg {
    pub fn name(self) -> &'static str {
        match self {
            TaskArg::Bli => "bli",
            TaskArg::Mt => "mt",
            TaskArg::Xcopa => "xcopa",
            TaskArg::Sib => "sib",
            TaskArg::Belebele => "belebele",
        }
    }
}

/// How the bridge text enters the final MT prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum MtStyleArg {
    /// Translate into the bridge, then the bridge text into the target.
    #[default]
    Pivot,
    /// The final prompt shows the source text and its bridge translation.
    BothTexts,
}

impl From<MtStyleArg> for xicl_eval::MtBridgeStyle {
    fn from(a: MtStyleArg) -> Self {
        match a {
            MtStyleArg::Pivot => xicl_eval::MtBridgeStyle::Pivot,
            MtStyleArg::BothTexts => xicl_eval::MtBridgeStyle::BothTexts,
        }
    }
}

/// How XCOPA, SIB-200 and Belebele answers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ScoringArg {
    /// Choose the answer option the model finds most likely (lm-eval-harness style; base
    /// models that never write a label still get a reading)
    #[default]
    Loglik,
    /// Generate greedily and parse the answer (docs/METHOD.md §6.7)
    Generate,
}

impl From<ScoringArg> for xicl_eval::AnswerScoring {
    fn from(a: ScoringArg) -> Self {
        match a {
            ScoringArg::Generate => xicl_eval::AnswerScoring::Generate,
            ScoringArg::Loglik => xicl_eval::AnswerScoring::Loglik,
        }
    }
}

/// Output of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum GenerateFormat {
    /// Prompt and continuation as text.
    #[default]
    Text,
    /// Token ids of prompt and continuation and the top-k logits of every step.
    Json,
}

/// Turn `\n`, `\t`, `\r`, `\\` and `\"` in a command-line string into the characters, so
/// that stop strings and prompts with line breaks can be typed in any shell.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_parse_both_code_kinds() {
        let p: LanguagePair = "en-sw".parse().unwrap();
        assert_eq!((p.source.code, p.target.code), ("en", "sw"));
        let p: LanguagePair = "zho_Hans-jpn_Jpan".parse().unwrap();
        assert_eq!(p.label(), "zh-ja");
        for bad in ["en", "en-", "-sw", "en-sw-de", ""] {
            assert!(
                matches!(bad.parse::<LanguagePair>(), Err(ArgError::BadPair { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            "en-en".parse::<LanguagePair>(),
            Err(ArgError::SamePair { .. })
        ));
        let err = "en-xx".parse::<LanguagePair>().unwrap_err().to_string();
        assert!(err.contains("unknown language code"), "{err}");
    }

    #[test]
    fn layer_ranges() {
        assert_eq!(
            "6-11".parse::<LayerRange>().unwrap(),
            LayerRange { first: 6, last: 11 }
        );
        assert_eq!(
            "4".parse::<LayerRange>().unwrap(),
            LayerRange { first: 4, last: 4 }
        );
        assert!("11-6".parse::<LayerRange>().is_err());
        assert!("a-b".parse::<LayerRange>().is_err());
        let r = LayerRange { first: 6, last: 18 };
        assert!(matches!(
            r.window(18),
            Err(ArgError::WindowOutsideModel { .. })
        ));
        assert_eq!(r.window(19).unwrap().last, 18);
    }

    #[test]
    fn routes() {
        assert_eq!(
            "bridge:eng_Latn".parse::<RouteArg>().unwrap().to_string(),
            "bridge:en"
        );
        assert_eq!("direct".parse::<RouteArg>().unwrap().to_string(), "direct");
        assert!(matches!(
            "via:en".parse::<RouteArg>(),
            Err(ArgError::BadRoute { .. })
        ));
        assert!(matches!(
            "bridge:xx".parse::<RouteArg>(),
            Err(ArgError::UnknownLanguage(_))
        ));
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescape(r"a\nb\tc\\d\q"), "a\nb\tc\\d\\q");
        assert_eq!(unescape("plain"), "plain");
        assert_eq!(unescape("end\\"), "end\\");
    }

    #[test]
    fn set_method_checks_fractions() {
        assert!(set_method(SetsArg::TopRate, 0.0, ThresholdArg::Quantile, 0.95).is_err());
        assert!(set_method(SetsArg::Lape, 0.01, ThresholdArg::Quantile, 1.5).is_err());
        assert_eq!(
            set_method(SetsArg::TopRate, 0.01, ThresholdArg::Quantile, 0.95).unwrap(),
            overlap::SetMethod::default()
        );
    }
}
