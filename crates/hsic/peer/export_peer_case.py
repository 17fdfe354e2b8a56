"""Export the reference peer's own input and score, so the Rust crate can be checked on the very
same numbers (torch's RNG cannot be reproduced elsewhere).

Generates X, Y exactly as ../../../../shared/tools/hsic_reference_peer.py does for its printed
seed-0 score, runs that file's `layer_score` on them, and writes
  OUT/case_S_N1_N2.json  (sizes, device, seconds, score, torch version)
  OUT/case_S_N1_N2.f32   (X then Y, row-major float32 little-endian)

usage: python export_peer_case.py PEER_PY OUT_DIR DEVICE S N1 N2
"""
import importlib.util
import json
import os
import sys
import time

import torch

peer_path, out_dir, dev = sys.argv[1], sys.argv[2], sys.argv[3]
S, n1, n2 = (int(v) for v in sys.argv[4:7])
spec = importlib.util.spec_from_file_location("peer", peer_path)
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)

# Same generation as the peer's __main__.
g = torch.Generator().manual_seed(0)
X = torch.randn(n1, S, generator=g).to(dev)
Y = (0.5 * X[:n2] + torch.randn(n2, S, generator=g).to(dev)) if n2 <= n1 else torch.randn(n2, S, generator=g).to(dev)
t = time.perf_counter()
score = peer.layer_score(X, Y)
if dev == "cuda":
    torch.cuda.synchronize()
dt = time.perf_counter() - t

os.makedirs(out_dir, exist_ok=True)
stem = os.path.join(out_dir, f"case_{S}_{n1}_{n2}")
with open(stem + ".f32", "wb") as f:
    for m in (X, Y):
        f.write(bytes(m.detach().to("cpu", torch.float32).contiguous().untyped_storage()))
meta = dict(S=S, n1=n1, n2=n2, device=dev, seconds=dt, score=score, torch=torch.__version__,
            gpu=torch.cuda.get_device_name(0) if dev == "cuda" else None)
with open(stem + ".json", "w") as f:
    json.dump(meta, f, indent=1)
print(json.dumps(meta))
