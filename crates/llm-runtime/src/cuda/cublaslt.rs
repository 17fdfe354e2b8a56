//! `Y = X · Wᵀ` through cuBLASLt on buffers cubecl owns (the GPU issue's first deliverable):
//! cubecl's own matmul has no Hopper `wgmma` path and reached ~80-250 TFLOP/s on the H100/H200
//! against cuBLAS's ~800 (docs/PERFORMANCE.md, "GPU").
//!
//! Written here, not taken from a crate: cudarc (already in the tree through cubecl-cuda) has
//! the raw `cublasLt*` calls, but its safe wrapper only multiplies buffers cudarc allocated
//! on its own streams, and these buffers belong to cubecl's memory pool.
//!
//! Ordering with cubecl's kernels: cubecl-cuda does not expose its stream, so a product first
//! waits for the work cubecl has queued (`sync`), runs on a stream of ours, and waits for that
//! stream before returning, so cubecl's next kernel reads a finished output. Two host round
//! trips per product: small next to a prefill GEMM; for decode, enqueueing on cubecl's own
//! stream (a small cubecl-cuda patch exposing it, kept under `patches/` like cubecl-llvm) is
//! the next step, and the one that allows graph capture.
//!
//! One of the crate's four `unsafe` places (with gguf/mmap.rs, quant/panel.rs and
//! host_memory.rs). Invariants the `unsafe` blocks rely on:
//! - Every pointer comes from `get_resource` on the CUDA server of the tensor's own client, and
//!   the `ManagedResource` guards are held until the product has finished on the GPU (the
//!   stream is synchronised before they drop), so cubecl cannot free or reuse the memory while
//!   cuBLASLt reads or writes it.
//! - `x` is contiguous `[n, k]`, `w` contiguous `[m, k]`, `y` freshly allocated contiguous
//!   `[n, m]`, all of the one dtype the descriptors were made for (checked before the call);
//!   the layouts describe exactly those extents (column-major view: `w` is `k × m` with
//!   ld `k`, `x` is `k × n` with ld `k`, `y` is `m × n` with ld `m`).
//! - Descriptors and the algorithm live in a [`Plan`] that outlives every call using them; the
//!   workspace is allocated once per device and used by one product at a time (the device's
//!   mutex is held across the call and the synchronisation).
//! - The CUDA context is the device's primary context, the one cubecl-cuda runs on, bound to
//!   the calling thread before any call.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, OnceLock};

use cudarc::cublaslt::{result as lt, sys};
use cudarc::driver::{CudaContext, CudaSlice, CudaStream, DevicePtr};

/// Element type of a product (inputs, output; accumulation is always f32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum GemmType {
    F32,
    Bf16,
    F16,
}

impl GemmType {
    fn cuda(self) -> sys::cudaDataType {
        match self {
            GemmType::F32 => sys::cudaDataType::CUDA_R_32F,
            GemmType::Bf16 => sys::cudaDataType::CUDA_R_16BF,
            GemmType::F16 => sys::cudaDataType::CUDA_R_16F,
        }
    }

    pub(crate) fn size(self) -> usize {
        match self {
            GemmType::F32 => 4,
            GemmType::Bf16 | GemmType::F16 => 2,
        }
    }
}

/// The shape of one product `[n, k] · [m, k]ᵀ` and the alignment its pointers allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    ty: GemmType,
    n: u64,
    m: u64,
    k: u64,
    /// Smallest alignment (bytes, a power of two up to 256) of the four pointers: cuBLASLt's
    /// heuristic assumes 256 unless told, and an algorithm chosen for more than the pointers
    /// have can fault.
    align: u32,
}

/// Descriptors and the chosen algorithm of one [`Key`], kept for the process.
struct Plan {
    desc: sys::cublasLtMatmulDesc_t,
    w_layout: sys::cublasLtMatrixLayout_t,
    x_layout: sys::cublasLtMatrixLayout_t,
    y_layout: sys::cublasLtMatrixLayout_t,
    algo: sys::cublasLtMatmulAlgo_t,
}

// SAFETY: the descriptors are plain heap objects of cuBLASLt, used only under the device mutex.
unsafe impl Send for Plan {}

/// One device's cuBLASLt state.
struct DeviceLt {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    handle: sys::cublasLtHandle_t,
    workspace: CudaSlice<u8>,
    plans: HashMap<Key, Plan>,
}

// SAFETY: the handle is used only under the device mutex (cuBLASLt handles may move between
// threads; they must not be used by two at once).
unsafe impl Send for DeviceLt {}

/// cuBLASLt recommends 32 MiB of workspace on Hopper (4 MiB before).
const WORKSPACE_BYTES: usize = 32 << 20;

type Devices = Mutex<HashMap<usize, Arc<Mutex<DeviceLt>>>>;

fn devices() -> &'static Devices {
    static DEVICES: OnceLock<Devices> = OnceLock::new();
    DEVICES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Whether libcublasLt can be loaded (checked once). Without it every product stays on
/// cubecl's matmul.
pub(crate) fn available() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    // SAFETY: only tries to open the shared library.
    *PRESENT.get_or_init(|| unsafe { sys::is_culib_present() })
}

fn device(ordinal: usize) -> Result<Arc<Mutex<DeviceLt>>, String> {
    let mut all = devices()
        .lock()
        .map_err(|_| "cuBLASLt state poisoned".to_string())?;
    if let Some(d) = all.get(&ordinal) {
        return Ok(d.clone());
    }
    let ctx = CudaContext::new(ordinal).map_err(|e| format!("CUDA context {ordinal}: {e:?}"))?;
    let stream = ctx
        .new_stream()
        .map_err(|e| format!("CUDA stream: {e:?}"))?;
    let workspace = stream
        .alloc_zeros::<u8>(WORKSPACE_BYTES)
        .map_err(|e| format!("cuBLASLt workspace: {e:?}"))?;
    let handle = lt::create_handle().map_err(|e| format!("cublasLtCreate: {e:?}"))?;
    let d = Arc::new(Mutex::new(DeviceLt {
        ctx,
        stream,
        handle,
        workspace,
        plans: HashMap::new(),
    }));
    all.insert(ordinal, d.clone());
    Ok(d)
}

fn alignment(ptrs: [u64; 3]) -> u32 {
    ptrs.iter()
        .map(|&p| {
            if p == 0 {
                256
            } else {
                1u32 << p.trailing_zeros().min(8)
            }
        })
        .min()
        .unwrap_or(256)
}

impl Plan {
    fn new(handle: sys::cublasLtHandle_t, key: Key) -> Result<Plan, String> {
        let err = |what: &str, e: lt::CublasError| format!("{what}: {e:?}");
        let ty = key.ty.cuda();
        let desc = lt::create_matmul_desc(
            sys::cublasComputeType_t::CUBLAS_COMPUTE_32F,
            sys::cudaDataType::CUDA_R_32F,
        )
        .map_err(|e| err("cublasLtMatmulDescCreate", e))?;
        // cublasOperation_t values (cublas_api.h): N = 0, T = 1; an int32 attribute. A (the
        // weight) is transposed, B (the input) is not.
        use sys::cublasLtMatmulDescAttributes_t as D;
        for (attr, op) in [
            (D::CUBLASLT_MATMUL_DESC_TRANSA, 1i32),
            (D::CUBLASLT_MATMUL_DESC_TRANSB, 0),
        ] {
            // SAFETY: `desc` was just created; the attribute buffer is a live local of the size
            // passed.
            unsafe {
                lt::set_matmul_desc_attribute(desc, attr, &op as *const i32 as *const c_void, 4)
            }
            .map_err(|e| err("cublasLtMatmulDescSetAttribute", e))?;
        }
        let (n, m, k) = (key.n, key.m, key.k);
        let w_layout =
            lt::create_matrix_layout(ty, k, m, k as i64).map_err(|e| err("layout W", e))?;
        let x_layout =
            lt::create_matrix_layout(ty, k, n, k as i64).map_err(|e| err("layout X", e))?;
        let y_layout =
            lt::create_matrix_layout(ty, m, n, m as i64).map_err(|e| err("layout Y", e))?;
        let pref = lt::create_matmul_pref().map_err(|e| err("preference", e))?;
        let ws = WORKSPACE_BYTES as u64;
        let align = key.align;
        // SAFETY: `pref` was just created; attribute buffers are live locals.
        let heuristic = unsafe {
            let set = |attr, v: *const c_void, size| {
                lt::set_matmul_pref_attribute(pref, attr, v, size).map_err(|e| err("preference", e))
            };
            use sys::cublasLtMatmulPreferenceAttributes_t as P;
            set(
                P::CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                &ws as *const u64 as *const c_void,
                8,
            )?;
            for attr in [
                P::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                P::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                P::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                P::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
            ] {
                set(attr, &align as *const u32 as *const c_void, 4)?;
            }
            let h = lt::get_matmul_algo_heuristic(
                handle, desc, w_layout, x_layout, y_layout, y_layout, pref,
            );
            let _ = lt::destroy_matmul_pref(pref);
            h.map_err(|e| err("cublasLtMatmulAlgoGetHeuristic", e))?
        };
        Ok(Plan {
            desc,
            w_layout,
            x_layout,
            y_layout,
            algo: heuristic.algo,
        })
    }
}

/// The device pointers of one product, and `n, m, k` as above.
pub(crate) struct Operands {
    pub ordinal: usize,
    pub ty: GemmType,
    pub x: u64,
    pub w: u64,
    pub y: u64,
    pub n: usize,
    pub m: usize,
    pub k: usize,
}

/// Run `y = x · wᵀ` and wait for it. The caller holds the buffers (see the module's invariants)
/// and has synchronised cubecl's queue.
pub(crate) fn gemm_xwt(op: &Operands) -> Result<(), String> {
    let dev = device(op.ordinal)?;
    let mut d = dev
        .lock()
        .map_err(|_| "cuBLASLt state poisoned".to_string())?;
    d.ctx
        .bind_to_thread()
        .map_err(|e| format!("binding the CUDA context: {e:?}"))?;
    let key = Key {
        ty: op.ty,
        n: op.n as u64,
        m: op.m as u64,
        k: op.k as u64,
        align: alignment([op.x, op.w, op.y]),
    };
    let handle = d.handle;
    if !d.plans.contains_key(&key) {
        let plan = Plan::new(handle, key)?;
        d.plans.insert(key, plan);
    }
    let d = &*d;
    let plan = &d.plans[&key];
    let (alpha, beta) = (1f32, 0f32);
    let (ws, _sync) = d.workspace.device_ptr(&d.stream);
    // SAFETY: see the module's invariants: live descriptors of exactly these extents and dtype,
    // pointers held by the caller, the workspace of this device under its mutex.
    unsafe {
        lt::matmul(
            handle,
            plan.desc,
            &alpha as *const f32 as *const c_void,
            &beta as *const f32 as *const c_void,
            op.w as *const c_void,
            plan.w_layout,
            op.x as *const c_void,
            plan.x_layout,
            op.y as *const c_void,
            plan.y_layout,
            op.y as *mut c_void,
            plan.y_layout,
            &plan.algo,
            ws as *mut c_void,
            WORKSPACE_BYTES,
            d.stream.cu_stream() as sys::cudaStream_t,
        )
        .map_err(|e| format!("cublasLtMatmul {key:?}: {e:?}"))?;
    }
    d.stream
        .synchronize()
        .map_err(|e| format!("waiting for cublasLtMatmul: {e:?}"))
}
