//! Gated MLP `down(act(gate(x)) * up(x))`, with a hook that hands one intermediate tensor (the
//! capture site) to the caller.

use burn::tensor::activation::{sigmoid, silu};
use burn::tensor::{Tensor, TensorData};

use super::host_ops;
use super::linear::Linear;
use crate::capture::CaptureSite;
use crate::family::Activation;

#[derive(Debug, Clone)]
pub(crate) struct Mlp {
    pub gate: Linear,
    pub up: Linear,
    pub down: Linear,
    pub activation: Activation,
    /// On the CPU backend in f32: the activation and product in one pass over host memory
    /// ([`super::host_ops`]) instead of burn's operation-at-a-time evaluation.
    pub host_f32: bool,
}

impl Mlp {
    /// `x: [n, hidden]` → (`[n, hidden]`, the tensor at `site` `[n, intermediate]` if asked).
    pub fn forward(
        &self,
        x: Tensor<2>,
        site: Option<CaptureSite>,
    ) -> (Tensor<2>, Option<Tensor<2>>) {
        let gate = self.gate.forward(x.clone());
        let up = self.up.forward(x);
        let mut captured = match site {
            Some(CaptureSite::GatePre) => Some(gate.clone()),
            Some(CaptureSite::Up) => Some(up.clone()),
            _ => None,
        };
        let keep_act = site == Some(CaptureSite::GateAct);
        let prod = if self.host_f32 {
            let (act, prod) = host_gated(self.activation, gate, up, keep_act);
            if keep_act {
                captured = act;
            }
            prod
        } else {
            let act = match self.activation {
                Activation::Silu => silu(gate),
                Activation::GeluTanh => gelu_tanh(gate),
            };
            if keep_act {
                captured = Some(act.clone());
            }
            act * up
        };
        if site == Some(CaptureSite::Product) {
            captured = Some(prod.clone());
        }
        (self.down.forward(prod), captured)
    }
}

/// `(act(gate) if keep_act, act(gate) * up)` through [`host_ops::gated_activation`].
fn host_gated(
    activation: Activation,
    gate: Tensor<2>,
    up: Tensor<2>,
    keep_act: bool,
) -> (Option<Tensor<2>>, Tensor<2>) {
    let dims = gate.dims();
    let device = gate.device();
    // Flex tensors are host memory: reading them cannot fail.
    let mut g = gate
        .try_into_vec_as::<f32>()
        .expect("a CPU tensor reads back as f32");
    let mut u = up
        .try_into_vec_as::<f32>()
        .expect("a CPU tensor reads back as f32");
    host_ops::gated_activation(activation, &mut g, &mut u, keep_act);
    let tensor = |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v, dims), &device);
    (keep_act.then(|| tensor(g)), tensor(u))
}

/// PyTorch's `gelu(approximate="tanh")`, `0.5 x (1 + tanh(z))` with
/// `z = sqrt(2/pi) (x + 0.044715 x^3)`, computed as the equal `x * sigmoid(2 z)`: burn-flex
/// evaluates `tanh` through libm's scalar `tanhf`, twice as slow as its sigmoid, and this form
/// also avoids the cancellation in `1 + tanh(z)` for negative `x`.
pub(crate) fn gelu_tanh(x: Tensor<2>) -> Tensor<2> {
    const TWO_SQRT_2_OVER_PI: f64 = 1.595_769_121_605_730_7;
    const CUBIC: f64 = 0.044715 * TWO_SQRT_2_OVER_PI;
    let u = (x.clone().square() * CUBIC + TWO_SQRT_2_OVER_PI) * x.clone();
    x * sigmoid(u)
}
