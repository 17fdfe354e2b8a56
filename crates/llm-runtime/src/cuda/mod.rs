//! The CUDA path's own operations, as a burn backend extension (`#[backend_extension]`): burn
//! records them in its fusion stream like any other operation and hands them cubecl's tensors
//! when the stream runs, so they stay ordered with burn's kernels.
//!
//! Today one operation: the projection `x · Wᵀ` through cuBLASLt ([`cublaslt`]). A tensor on
//! another cubecl runtime (wgpu), or a build whose machine has no libcublasLt, takes cubecl's
//! matmul instead. `BRIDGEX_CUBLASLT=1` turns cuBLASLt on, `0` off; the default is
//! [`CUBLASLT_BY_DEFAULT`].

mod cublaslt;

use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::{DType, Tensor};
use burn_cubecl::CubeBackend;
use burn_cubecl::tensor::CubeTensor;
use cubecl::cuda::CudaRuntime;
use cubecl_runtime::runtime::Runtime;

use cublaslt::{GemmType, Operands};

/// Operations the CUDA path runs outside burn's kernels.
#[backend_extension(Cube: cfg(feature = "cuda"), Fusion: cfg(feature = "cuda"))]
pub trait CudaOps: Backend {
    /// `x: [n, k]`, `w: [m, k]` → `x · wᵀ: [n, m]`.
    #[fusion(dtype = x, shape = burn::tensor::Shape::new([x[0], w[0]]))]
    fn project_xwt(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self>;
}

impl CudaOps for CubeBackend {
    fn project_xwt(x: CubeTensor, w: CubeTensor) -> CubeTensor {
        match cublas_project(&x, &w) {
            Ok(Some(y)) => y,
            Ok(None) => cubecl_project(x, w),
            Err(e) => {
                warn_once(&e);
                cubecl_project(x, w)
            }
        }
    }
}

/// Off until the path has run on a GPU: it was written and built in a session whose GPU lease
/// never started (docs/PERFORMANCE.md, "GPU"); `docs/gpu/cublaslt_ab.sh` is the check to run.
const CUBLASLT_BY_DEFAULT: bool = false;

/// Whether products on CUDA go through cuBLASLt: as `BRIDGEX_CUBLASLT` (`1`/`0`) says, else
/// [`CUBLASLT_BY_DEFAULT`]; only where libcublasLt loads, and until a product has failed.
pub(crate) fn cublaslt_enabled() -> bool {
    let wanted = match std::env::var("BRIDGEX_CUBLASLT").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => CUBLASLT_BY_DEFAULT,
    };
    wanted && !FAILED.load(std::sync::atomic::Ordering::Relaxed) && cublaslt::available()
}

/// `x · wᵀ` for a weight on a CUDA device.
pub(crate) fn project(x: Tensor<2>, w: &Tensor<2>) -> Tensor<2> {
    let y = <burn::backend::Dispatch as CudaOps>::project_xwt(
        x.into_dispatch(),
        w.clone().into_dispatch(),
    );
    Tensor::from_dispatch(y)
}

fn cubecl_project(x: CubeTensor, w: CubeTensor) -> CubeTensor {
    CubeBackend::float_matmul(x, CubeBackend::float_transpose(w))
}

fn warn_once(e: &str) {
    if !FAILED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!("cuBLASLt product failed, using cubecl's matmul from now on: {e}");
    }
}

static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The product through cuBLASLt, or `None` where it does not apply (not CUDA, a dtype it does
/// not take, an earlier failure).
fn cublas_project(x: &CubeTensor, w: &CubeTensor) -> Result<Option<CubeTensor>, String> {
    if FAILED.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(None);
    }
    let cubecl::Device::Cuda(cuda) = &x.device else {
        return Ok(None);
    };
    let ty = match (x.dtype, w.dtype) {
        (DType::F32, DType::F32) => GemmType::F32,
        (DType::BF16, DType::BF16) => GemmType::Bf16,
        (DType::F16, DType::F16) => GemmType::F16,
        _ => return Ok(None),
    };
    let (xs, ws) = (x.meta.shape(), w.meta.shape());
    if xs.num_dims() != 2 || ws.num_dims() != 2 || xs[1] != ws[1] {
        return Err(format!("shapes {xs:?} · {ws:?}ᵀ"));
    }
    let (n, k, m) = (xs[0], xs[1], ws[0]);
    let x = burn_cubecl::kernel::into_contiguous(x.clone());
    let w = burn_cubecl::kernel::into_contiguous(w.clone());
    let y = burn_cubecl::ops::numeric::empty_device_contiguous_dtype(
        x.client.clone(),
        x.device.clone(),
        [n, m].into(),
        x.dtype,
    );
    if n == 0 || m == 0 {
        return Ok(Some(y));
    }
    // Wait for cubecl's queued work (the producers of `x`), then hold the three buffers while
    // the product runs on cuBLASLt's stream (see cublaslt.rs for the ordering argument).
    <CubeBackend as Backend>::sync(&x.device).map_err(|e| format!("sync before GEMM: {e:?}"))?;
    type Server = <CudaRuntime as Runtime>::Server;
    let get = |t: &CubeTensor| {
        t.client
            .get_resource::<Server>(t.handle.clone())
            .map_err(|e| format!("device pointer: {e:?}"))
    };
    let (xr, wr, yr) = (get(&x)?, get(&w)?, get(&y)?);
    let op = Operands {
        ordinal: cuda.index,
        ty,
        x: xr.resource().ptr,
        w: wr.resource().ptr,
        y: yr.resource().ptr,
        n,
        m,
        k,
    };
    let sizes = [
        ("x", xr.resource().size, n * k),
        ("w", wr.resource().size, m * k),
        ("y", yr.resource().size, n * m),
    ];
    for (name, have, want) in sizes {
        if have < (want * ty.size()) as u64 {
            return Err(format!(
                "{name} buffer holds {have} bytes, {} needed",
                want * ty.size()
            ));
        }
    }
    cublaslt::gemm_xwt(&op)?;
    drop((xr, wr, yr));
    Ok(Some(y))
}
