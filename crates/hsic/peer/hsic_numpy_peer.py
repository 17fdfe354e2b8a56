"""NumPy version of the reference algorithm as its authors run it (hsic_reference_peer.py, which
needs PyTorch): z-score, σ from cdist with the lower median (torch.median semantics), per-neuron
Gram matrices, KH = K @ H and HL = H @ L, then a Python double loop of trace(KH[i] @ HL[j]) —
one S x S matrix product per neuron pair. Run here, on the 2-core CPU, at a reduced number of
neuron pairs and extrapolated to 300 x 300: the preparation (z-scoring, cdist, Gram matrices,
KH and HL) scales with n1 + n2, the double loop with n1 * n2; both are timed separately.

usage: python hsic_numpy_peer.py [S N1 N2]   (default 500 20 20)
       python hsic_numpy_peer.py --case FILE.f32 S N1 N2   (score an exported peer case)
"""
import json
import sys
import time

import numpy as np


def layer_score(X, Y, timings=None):
    t0 = time.perf_counter()
    X = (X - X.mean(1, keepdims=True)) / (X.std(1, ddof=1, keepdims=True) + 1e-6)
    Y = (Y - Y.mean(1, keepdims=True)) / (Y.std(1, ddof=1, keepdims=True) + 1e-6)
    S = X.shape[1]

    def cdist(A):
        return np.sqrt(((A[:, None, :] - A[None, :, :]) ** 2).sum(-1))

    d = np.sort(np.concatenate([cdist(X).ravel(), cdist(Y).ravel()]))
    sigma = d[(d.size - 1) // 2] + 1e-6  # torch.median: the lower middle value
    H = np.eye(S, dtype=X.dtype) - np.ones((S, S), dtype=X.dtype) / S
    K = np.exp(-((X[:, :, None] - X[:, None, :]) ** 2) / (2 * sigma**2))
    L = np.exp(-((Y[:, :, None] - Y[:, None, :]) ** 2) / (2 * sigma**2))
    KH, HL = K @ H, H @ L
    t1 = time.perf_counter()
    M = np.zeros((X.shape[0], Y.shape[0]), dtype=X.dtype)
    for i in range(X.shape[0]):
        for j in range(Y.shape[0]):
            M[i, j] = np.trace(KH[i] @ HL[j])
    if timings is not None:
        timings["prepare"] = t1 - t0
        timings["double_loop"] = time.perf_counter() - t1
    return 0.5 * (M.max(1).mean() + M.max(0).mean())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        path = sys.argv[2]
        S, n1, n2 = (int(v) for v in sys.argv[3:6])
        raw = np.fromfile(path, dtype="<f4")
        X, Y = raw[: n1 * S].reshape(n1, S), raw[n1 * S :].reshape(n2, S)
        print(json.dumps(dict(score_f32=float(layer_score(X, Y)),
                              score_f64=float(layer_score(X.astype(np.float64), Y.astype(np.float64))))))
        sys.exit(0)
    S, n1, n2 = (int(v) for v in (sys.argv[1:4] if len(sys.argv) > 3 else (500, 20, 20)))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n1, S), dtype=np.float32)
    Y = (0.5 * X[:n2] + rng.standard_normal((n2, S), dtype=np.float32)).astype(np.float32)
    timings = {}
    s = layer_score(X, Y, timings)
    per_layer = timings["prepare"] * 600 / (n1 + n2) + timings["double_loop"] * (300 * 300) / (n1 * n2)
    print(json.dumps(dict(S=S, n1=n1, n2=n2, score=float(s), **timings,
                          extrapolated_seconds_per_layer_300x300=per_layer,
                          extrapolated_seconds_per_pair_6x12=per_layer * 72,
                          numpy=np.__version__)))
