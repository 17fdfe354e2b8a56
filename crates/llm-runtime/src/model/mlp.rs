//! Gated MLP `down(act(gate(x)) * up(x))`, with a hook that hands one intermediate tensor (the
//! capture site) to the caller.

use burn::tensor::Tensor;
use burn::tensor::activation::silu;

use super::linear::Linear;
use crate::capture::CaptureSite;
use crate::config::Activation;

#[derive(Debug, Clone)]
pub(crate) struct Mlp {
    pub gate: Linear,
    pub up: Linear,
    pub down: Linear,
    pub activation: Activation,
}

impl Mlp {
    /// `x: [n, hidden]` → (`[n, hidden]`, the tensor at `site` `[n, intermediate]` if asked).
    pub fn forward(&self, x: Tensor<2>, site: Option<CaptureSite>) -> (Tensor<2>, Option<Tensor<2>>) {
        let gate = self.gate.forward(x.clone());
        let up = self.up.forward(x);
        let mut captured = match site {
            Some(CaptureSite::GatePre) => Some(gate.clone()),
            Some(CaptureSite::Up) => Some(up.clone()),
            _ => None,
        };
        let act = match self.activation {
            Activation::Silu => silu(gate),
            Activation::GeluTanh => gelu_tanh(gate),
        };
        if site == Some(CaptureSite::GateAct) {
            captured = Some(act.clone());
        }
        let prod = act * up;
        if site == Some(CaptureSite::Product) {
            captured = Some(prod.clone());
        }
        (self.down.forward(prod), captured)
    }
}

/// `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` (PyTorch's `gelu(approximate="tanh")`).
pub(crate) fn gelu_tanh(x: Tensor<2>) -> Tensor<2> {
    const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
    let inner = (x.clone().square() * 0.044715 + 1.0) * x.clone() * SQRT_2_OVER_PI;
    x * (inner.tanh() + 1.0) * 0.5
}
