//! Offline stand-in for `cubecl-llvm` 0.11.3 (see README.md).
//!
//! The published crate lowers CubeCL kernels through pliron and LLVM; its build script downloads
//! a prebuilt LLVM, which cannot happen on an offline machine. `cubecl-cuda` 0.11.3 always links
//! it, although with its `cpp` feature (enabled here through `cubecl/cuda-cpp`) every kernel is
//! compiled as CUDA C++ by NVRTC instead. This crate provides the names `cubecl-cuda` uses, with
//! the same shapes, and an LLVM compiler that returns [`CompilationError::Generic`].

use cubecl_core::prelude::KernelDefinition;
use cubecl_environment::backtrace::BackTrace;
use cubecl_runtime::compiler::{CompilationError, Compiler};
use cubecl_runtime::kernel::BufferIOAttr;

/// The targets the real crate lowers to. Only the NVPTX name is used by `cubecl-cuda`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LlvmTarget {
    /// Host code (unsupported here).
    #[default]
    Cpu,
    /// NVIDIA PTX (unsupported here).
    #[cfg(feature = "nvptx")]
    Nvptx,
}

impl LlvmTarget {
    /// Whether the target provides a hardware launch grid.
    pub fn is_gpu(self) -> bool {
        !matches!(self, LlvmTarget::Cpu)
    }
}

/// The LLVM kernel compiler. Every `compile` fails: this build has no LLVM.
#[derive(Clone, Debug, Default)]
pub struct PlironCompiler {
    /// What the kernels would be lowered to.
    pub target: LlvmTarget,
}

/// Options of the LLVM compiler (kept for source compatibility; nothing reads them).
#[derive(Clone, Debug, Default)]
pub struct PlironOptions {
    /// Minimum CPU buffer alignment.
    pub cpu_buffer_alignment: Option<u32>,
    /// AMDGPU architecture: never set, this stand-in has no AMD target.
    pub arch: Option<core::convert::Infallible>,
    /// NVPTX architecture.
    #[cfg(feature = "nvptx")]
    pub sm_arch: Option<cubecl_core::ir::nvidia::SmArch>,
    /// PTX version to emit.
    #[cfg(feature = "nvptx")]
    pub ptx_version: Option<nvptx::ptx_version::PtxVersion>,
    /// Pass scalars and static metadata in the kernel parameter block.
    pub grid_constants: bool,
}

/// A compiled PTX module (never produced here).
#[derive(Clone, Debug)]
pub struct NvptxModule {
    /// NUL-terminated PTX assembly.
    pub ptx: Vec<core::ffi::c_char>,
    /// Kernel entry point symbol.
    pub entrypoint: String,
    /// IR for logging and cache keys.
    pub ir: String,
    /// Shared memory required per launch, in bytes.
    pub shared_memory_size: usize,
    /// Buffer access modes in binding order.
    pub io: Vec<BufferIOAttr>,
}

/// What the LLVM compiler produces (never produced here).
#[derive(Clone, Debug)]
pub enum PlironArtifact {
    /// PTX for the CUDA driver.
    NvptxCode(NvptxModule),
}

impl core::fmt::Display for PlironArtifact {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PlironArtifact::NvptxCode(module) => f.write_str(&module.ir),
        }
    }
}

impl Compiler for PlironCompiler {
    type Representation = PlironArtifact;
    type CompilationOptions = PlironOptions;

    fn buffer_io(repr: &Self::Representation) -> Option<Vec<BufferIOAttr>> {
        match repr {
            PlironArtifact::NvptxCode(module) => Some(module.io.clone()),
        }
    }

    fn compile(
        &mut self,
        _kernel: KernelDefinition,
        _options: &Self::CompilationOptions,
    ) -> Result<Self::Representation, CompilationError> {
        Err(CompilationError::Generic {
            reason: "this build replaces cubecl-llvm with an offline stand-in without LLVM \
                     (patches/cubecl-llvm); compile kernels as CUDA C++ (cubecl feature \
                     `cuda-cpp`) instead"
                .to_string(),
            backtrace: BackTrace::capture(),
        })
    }

    fn extension(&self) -> &'static str {
        "ll"
    }

    fn lang_tag(&self) -> &'static str {
        match self.target {
            LlvmTarget::Cpu => "mlir",
            #[cfg(feature = "nvptx")]
            LlvmTarget::Nvptx => "llvm",
        }
    }
}

/// NVPTX-specific items.
#[cfg(feature = "nvptx")]
pub mod nvptx {
    /// The PTX ISA version chosen for a driver.
    pub mod ptx_version {
        use core::fmt;

        /// A PTX ISA version as the NVPTX target feature spells it (8.7 is `87`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct PtxVersion(u32);

        impl PtxVersion {
            /// The newest PTX version a driver of CUDA `driver` (as `cuDriverGetVersion`
            /// reports it, 12.8 = `12080`) loads; `None` below CUDA 10.0. Only the LLVM path
            /// and its cache key read it.
            pub fn for_driver(driver: i32) -> Option<Self> {
                // PTX ISA releases by CUDA version (NVIDIA's PTX ISA release notes).
                let table: &[(i32, u32)] = &[
                    (13030, 93),
                    (13020, 92),
                    (13010, 91),
                    (13000, 90),
                    (12090, 88),
                    (12080, 87),
                    (12050, 85),
                    (12040, 84),
                    (12030, 83),
                    (12020, 82),
                    (12010, 81),
                    (12000, 80),
                    (11080, 78),
                    (11000, 70),
                    (10000, 63),
                ];
                table
                    .iter()
                    .find(|(first, _)| driver >= *first)
                    .map(|&(_, ptx)| Self(ptx))
            }
        }

        impl fmt::Display for PtxVersion {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "ptx{}", self.0)
            }
        }
    }
}

/// Items shared between the LLVM targets.
pub mod shared {
    /// Narrowing device features to what the LLVM backend lowers.
    pub mod lowered_features {
        use cubecl_core::ir::DeviceProperties;

        /// A GPU target of the LLVM backend.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum GpuTarget {
            /// NVIDIA PTX.
            #[cfg(feature = "nvptx")]
            Nvptx,
        }

        /// Called by `cubecl-cuda` only when the LLVM backend is selected, which the
        /// `cuda-cpp` feature rules out. Leaves the properties as they are.
        pub fn restrict_features(_props: &mut DeviceProperties, _target: GpuTarget) {}
    }
}
