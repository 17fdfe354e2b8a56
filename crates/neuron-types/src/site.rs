//! Where activations are read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where in the gated MLP `down(act(gate(x)) * up(x))` activations are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSite {
    /// `gate(x)`, before the activation function.
    GatePre,
    /// `act(gate(x))`: the neurons of the method (docs/METHOD.md §1).
    #[default]
    GateAct,
    /// `up(x)`.
    Up,
    /// `act(gate(x)) * up(x)`, the input of `down`.
    Product,
}

impl CaptureSite {
    pub const ALL: [CaptureSite; 4] = [Self::GatePre, Self::GateAct, Self::Up, Self::Product];

    /// The snake_case name used in flags, JSON and artifact keys.
    pub fn name(self) -> &'static str {
        match self {
            Self::GatePre => "gate_pre",
            Self::GateAct => "gate_act",
            Self::Up => "up",
            Self::Product => "product",
        }
    }
}

impl fmt::Display for CaptureSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a capture site.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown capture site `{0}` (expected gate_pre, gate_act, up or product)")]
pub struct ParseCaptureSiteError(pub String);

impl FromStr for CaptureSite {
    type Err = ParseCaptureSiteError;
    /// Case-insensitive; `-` may stand for `_` (`Gate-Act`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|c| c.name() == norm)
            .ok_or_else(|| ParseCaptureSiteError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names_round_trip() {
        for s in CaptureSite::ALL {
            assert_eq!(s.name().parse::<CaptureSite>().unwrap(), s);
        }
        assert_eq!(
            "Gate-Act".parse::<CaptureSite>().unwrap(),
            CaptureSite::GateAct
        );
        assert!("gate".parse::<CaptureSite>().is_err());
        assert!("down".parse::<CaptureSite>().is_err());
        assert_eq!(CaptureSite::default(), CaptureSite::GateAct);
    }
}
