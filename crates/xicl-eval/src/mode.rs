//! Languages as the prompts see them, and the route a run takes (direct or through a bridge).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::EvalError;

/// A language: its code (identity, file names) and the name written into prompts (the native
/// name of docs/METHOD.md §3, e.g. `Deutsch`, `עִברִית`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LangRef {
    pub code: String,
    pub name: String,
}

impl LangRef {
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        LangRef {
            code: code.into(),
            name: name.into(),
        }
    }
}

/// How a task is prompted: zero-shot direct, or with the model's own output in a bridge
/// language inserted into the prompt.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PromptMode {
    Direct,
    Bridge(LangRef),
}

impl PromptMode {
    pub fn route(&self) -> Route {
        match self {
            PromptMode::Direct => Route::Direct,
            PromptMode::Bridge(l) => Route::Bridge(l.code.clone()),
        }
    }
}

/// What a run did, without prompt names: `direct` or `bridge:<code>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    Direct,
    Bridge(String),
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Direct => f.write_str("direct"),
            Route::Bridge(c) => write!(f, "bridge:{c}"),
        }
    }
}

impl FromStr for Route {
    type Err = EvalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "direct" => Ok(Route::Direct),
            Some(("bridge", code)) if !code.is_empty() && !code.contains(char::is_whitespace) => {
                Ok(Route::Bridge(code.to_owned()))
            }
            _ => Err(EvalError::BadRoute(s.to_owned())),
        }
    }
}

impl Serialize for Route {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_text_round_trip() {
        for r in [Route::Direct, Route::Bridge("en".into())] {
            assert_eq!(r.to_string().parse::<Route>().ok(), Some(r.clone()));
            let json = serde_json::to_string(&r).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Route>(&json).ok(), Some(r));
        }
        assert_eq!(Route::Bridge("fr".into()).to_string(), "bridge:fr");
        for bad in ["", "bridge:", "Direct", "bridge", "via:en", "bridge:e n"] {
            assert!(bad.parse::<Route>().is_err(), "{bad}");
        }
    }
}
