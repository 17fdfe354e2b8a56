//! The process's heap, tuned once for CPU inference.
//!
//! A prefill batch of the default model makes tensors of 16-32 MB per operation (`[4096, 2048]`
//! f32 in the MLP). glibc serves every block above its mmap threshold (at most 32 MB, adjusted
//! as blocks are freed) with a fresh `mmap` and returns it with `munmap` on free, so every such
//! tensor met the kernel's page faults and zeroing again: 7% of a statistics run's profile in
//! the kernel, and the same 2 x 2048-token prefill ran at 356 tok/s against 477 with the
//! threshold raised (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824`, same binary,
//! interleaved rounds on **dev**; docs/PERFORMANCE.md). Raising it keeps freed blocks in the
//! heap for the next operation. The peak of the process barely moves (the blocks are reused,
//! not accumulated): `bridge --pair en-sw` peaked at 770 MB before.
//!
//! One of the crate's `unsafe` places: `mallopt` is a C function; it only changes malloc's
//! parameters (no pointer is handed over) and is safe to call at any time from any thread.
#![allow(unsafe_code)]

use std::sync::Once;

/// Above this size glibc still maps blocks on their own: 1 GB (no tensor of ours comes near).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 30;

/// Raise glibc's mmap threshold once per process (where the C library is glibc; a no-op
/// elsewhere). Called when a CPU device is made.
pub(crate) fn tune_for_large_tensors() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            // SAFETY: mallopt takes two integers and only sets malloc's parameters.
            let ok = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
            if ok != 1 {
                tracing::warn!("mallopt(M_MMAP_THRESHOLD) refused; large tensors stay mmapped");
            }
        }
    });
}
