//! Typed errors of argument values (what clap shows after `invalid value ... for '--pair'`)
//! and of the application layer's own checks. Everything else travels as `anyhow` with context.

/// A command-line value that cannot serve; each message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    #[error(
        "`{given}` is not a language pair: expected SRC-TGT with two language codes, e.g. en-sw"
    )]
    BadPair { given: String },
    #[error("pair `{given}`: source and target are both `{code}`; name two different languages")]
    SamePair { given: String, code: String },
    #[error(
        "`{given}` is not a layer window: expected FIRST-LAST with FIRST <= LAST (0-based, inclusive), e.g. 6-11"
    )]
    BadLayerWindow { given: String },
    #[error("layer window {first}-{last} does not fit a model with {layers} layers (layers are 0..={max})", max = layers.saturating_sub(1))]
    WindowOutsideModel {
        first: usize,
        last: usize,
        layers: usize,
    },
    #[error(
        "`{given}` is not a route: expected `direct` or `bridge:XX` with a language code, e.g. bridge:en"
    )]
    BadRoute { given: String },
    #[error("{0}")]
    UnknownLanguage(#[from] langs::UnknownLanguage),
    #[error("--{flag}: {what}")]
    Invalid { flag: &'static str, what: String },
}

impl ArgError {
    pub fn invalid(flag: &'static str, what: impl Into<String>) -> Self {
        ArgError::Invalid {
            flag,
            what: what.into(),
        }
    }
}
