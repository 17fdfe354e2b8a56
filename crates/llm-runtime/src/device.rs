//! Compute device and float precision, chosen at run time from strings (`cpu`, `cuda:1`, `bf16`).
//!
//! The default build carries only burn's pure-Rust `flex` CPU backend; `cuda` and `wgpu` are
//! cargo features of this crate, so asking for them in a CPU-only build is a typed error that
//! says which feature to enable, never a panic inside burn.

use std::fmt;
use std::str::FromStr;

use burn::tensor::{DType, Device};

use crate::error::{Error, Result};

/// Which burn backend a [`RuntimeDevice`] runs on. The model code needs to know one thing about
/// it: whether the backend's fused attention shares K/V heads between query heads (GQA)
/// natively; where it does not, K/V heads are repeated before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// burn-flex, pure Rust CPU (gemm crate + rayon).
    Flex,
    /// CUDA through cubecl (feature `cuda`).
    Cuda,
    /// wgpu through cubecl (feature `wgpu`): Vulkan, Metal, DX12 or GL.
    Wgpu,
}

/// A burn device plus what the model code needs to know about it.
#[derive(Debug, Clone)]
pub struct RuntimeDevice {
    device: Device,
    kind: BackendKind,
    spec: String,
    portable_attention: bool,
}

impl RuntimeDevice {
    /// Parse `cpu` (alias `flex`), `cuda`, `cuda:N`, `wgpu` or `wgpu:cpu`.
    pub fn parse(spec: &str) -> Result<Self> {
        let s = spec.trim().to_ascii_lowercase();
        let err = |what: String| Error::Device {
            device: spec.to_string(),
            what,
        };
        let (name, index) = match s.split_once(':') {
            Some((n, i)) => (n, Some(i)),
            None => (s.as_str(), None),
        };
        match name {
            "cpu" | "flex" => {
                if let Some(i) = index {
                    return Err(err(format!("the CPU device takes no index (got `{i}`)")));
                }
                Ok(Self::cpu())
            }
            "cuda" => {
                let idx: usize = match index {
                    None => 0,
                    Some(i) => i.parse().map_err(|_| {
                        err(format!(
                            "CUDA index `{i}` is not a number (expected cuda or cuda:N)"
                        ))
                    })?,
                };
                cuda_device(idx).map_err(err).map(|device| Self {
                    device,
                    kind: BackendKind::Cuda,
                    spec: format!("cuda:{idx}"),
                    portable_attention: false,
                })
            }
            "wgpu" => wgpu_device(index).map_err(err).map(|device| Self {
                device,
                kind: BackendKind::Wgpu,
                spec: s.clone(),
                portable_attention: false,
            }),
            other => Err(err(format!(
                "unknown device `{other}` (expected cpu, cuda, cuda:N, wgpu or wgpu:cpu)"
            ))),
        }
    }

    /// The default CPU device (also raises the C heap's mmap threshold for the process, see
    /// `host_memory`).
    pub fn cpu() -> Self {
        crate::host_memory::tune_for_large_tensors();
        Self {
            device: Device::flex(),
            kind: BackendKind::Flex,
            spec: "cpu".into(),
            portable_attention: false,
        }
    }

    /// Use the attention path of backends without native GQA (K/V heads repeated, masks
    /// expanded to every head) even where the backend has it: lets CPU tests cover the code the
    /// GPU backends run.
    pub fn with_portable_attention(mut self) -> Self {
        self.portable_attention = true;
        self
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    /// Which library multiplies dense weights here: `cublaslt` on CUDA where it is turned on
    /// (`BRIDGEX_CUBLASLT`, see `src/cuda`), libcublasLt loads and no product has failed, else
    /// `burn`.
    pub fn gemm_library(&self) -> &'static str {
        #[cfg(feature = "cuda")]
        if self.kind == BackendKind::Cuda && crate::cuda::cublaslt_enabled() {
            return "cublaslt";
        }
        "burn"
    }

    /// Whether burn's `attention` on this backend accepts fewer K/V heads than query heads.
    pub(crate) fn native_gqa(&self) -> bool {
        // burn-flex maps query head h to K/V head h / (heads / kv_heads); the generic fallback
        // used by the cubecl backends does not, so K/V are repeated there.
        self.kind == BackendKind::Flex && !self.portable_attention
    }
}

impl fmt::Display for RuntimeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec)
    }
}

#[cfg(feature = "cuda")]
fn cuda_device(idx: usize) -> std::result::Result<Device, String> {
    keep_compiled_kernels();
    Ok(Device::cuda(idx))
}

/// cubecl compiles each GPU kernel the first time it runs, one at a time on one CPU thread
/// (NVRTC to PTX, then the driver's PTX JIT at module load): a model's first forward pass
/// spends minutes there with the GPU idle. cubecl can keep the compiled kernels on disk (its
/// `persistence` feature, which also keeps autotune results), but leaves that off by default;
/// turn it on, reading the rest of the configuration where cubecl itself would (`cubecl.toml`
/// or `burn.toml` up from the working directory, then `CUBECL_*` variables).
/// `BRIDGEX_KERNEL_CACHE=0` leaves cubecl's own choice alone.
#[cfg(feature = "cuda")]
fn keep_compiled_kernels() {
    use cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};
    if std::env::var("BRIDGEX_KERNEL_CACHE").is_ok_and(|v| v == "0") {
        return;
    }
    let mut config = CubeClRuntimeConfig::from_current_dir().override_from_env();
    config.compilation.cache = true;
    // `false` when cubecl's configuration was already read (a second device): nothing to do.
    let _ = CubeClRuntimeConfig::try_set(config);
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(_idx: usize) -> std::result::Result<Device, String> {
    Err("this build has no CUDA backend; rebuild with `--features llm-runtime/cuda`".into())
}

#[cfg(feature = "wgpu")]
fn wgpu_device(index: Option<&str>) -> std::result::Result<Device, String> {
    use burn::tensor::DeviceKind;
    let kind =
        match index {
            None | Some("default") => DeviceKind::DefaultDevice,
            Some("cpu") => DeviceKind::Cpu,
            Some(i) => DeviceKind::DiscreteGpu(i.parse().map_err(|_| {
                format!("wgpu selector `{i}` is not `cpu`, `default` or a GPU index")
            })?),
        };
    Ok(Device::wgpu(kind))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device(_index: Option<&str>) -> std::result::Result<Device, String> {
    Err("this build has no wgpu backend; rebuild with `--features llm-runtime/wgpu`".into())
}

/// Float precision of weights and activations. Norms, softmax statistics and capture
/// reductions always run in f32 whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    #[default]
    F32,
    Bf16,
    F16,
}

impl Dtype {
    pub(crate) fn burn(self) -> DType {
        match self {
            Dtype::F32 => DType::F32,
            Dtype::Bf16 => DType::BF16,
            Dtype::F16 => DType::F16,
        }
    }

    /// Round an f32 to this precision (for constants the reference implementations compute
    /// in the model dtype, like Gemma's embedding scale).
    pub(crate) fn round(self, x: f32) -> f32 {
        match self {
            Dtype::F32 => x,
            Dtype::Bf16 => half::bf16::from_f32(x).to_f32(),
            Dtype::F16 => half::f16::from_f32(x).to_f32(),
        }
    }
}

impl FromStr for Dtype {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "float32" | "fp32" => Ok(Dtype::F32),
            "bf16" | "bfloat16" => Ok(Dtype::Bf16),
            "f16" | "float16" | "fp16" | "half" => Ok(Dtype::F16),
            other => Err(Error::Invalid(format!(
                "unknown dtype `{other}` (expected f32, bf16 or f16)"
            ))),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "f32",
            Dtype::Bf16 => "bf16",
            Dtype::F16 => "f16",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_devices_and_dtypes() {
        assert_eq!(
            RuntimeDevice::parse("cpu").unwrap().kind(),
            BackendKind::Flex
        );
        assert_eq!(RuntimeDevice::parse(" CPU ").unwrap().to_string(), "cpu");
        assert!(RuntimeDevice::parse("cpu:1").is_err());
        assert!(
            RuntimeDevice::parse("tpu")
                .unwrap_err()
                .to_string()
                .contains("unknown device")
        );
        #[cfg(not(feature = "cuda"))]
        assert!(
            RuntimeDevice::parse("cuda:0")
                .unwrap_err()
                .to_string()
                .contains("features")
        );
        assert!(RuntimeDevice::parse("cuda:x").is_err());
        assert_eq!("bf16".parse::<Dtype>().unwrap(), Dtype::Bf16);
        assert_eq!("F32".parse::<Dtype>().unwrap(), Dtype::F32);
        assert!("int8".parse::<Dtype>().is_err());
        assert_eq!(Dtype::Bf16.round(25.298_221), 25.25);
    }
}
