"""Compare `bridgex generate --format json` outputs (CUDA vs CPU vs the NumPy reference)."""
import json, sys
ref = json.load(open(sys.argv[1]))
cpu = json.load(open(sys.argv[2]))
for path in sys.argv[3:]:
    g = json.load(open(path))
    print(f"== {path}: device precision {g['model']['precision']}")
    worst_ref = worst_cpu = 0.0
    for rg, rc in zip(g["results"], cpu["results"]):
        p = rg["prompt"]
        want = ref[p]["top5"]
        first = rg["steps"][0]
        ids = [e["id"] for e in first]
        print(f"  {p!r}: step-1 top-5 ids {ids} (reference {[w[0] for w in want]}); text {rg['text']!r} (cpu {rc['text']!r})")
        for (wid, _, wv), e in zip(want, first):
            rel = abs(e["logit"] - wv) / abs(wv)
            worst_ref = max(worst_ref, rel)
        for s, (sg, sc) in enumerate(zip(rg["steps"], rc["steps"])):
            cl = {e["id"]: e["logit"] for e in sc}
            for e in sg:
                if e["id"] in cl:
                    worst_cpu = max(worst_cpu, abs(e["logit"] - cl[e["id"]]))
        same = [e["id"] for e in rg["tokens"]] == [e["id"] for e in rc["tokens"]]
        print(f"    greedy tokens equal to cpu: {same}")
    print(f"  worst step-1 top-5 rel. diff to reference {worst_ref:.2e}; worst |device-cpu| over shared top-5 logits, all steps {worst_cpu:.3e}")
