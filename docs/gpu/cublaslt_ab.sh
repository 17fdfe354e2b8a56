# GPU issue, lease of 2026-12-07 (late): cuBLASLt products against burn's matmul, same binary,
# same call (BRIDGEX_CUBLASLT=0 turns cuBLASLt off). Random weights, bf16 for speed.
# parity-random: CPU f32 against CUDA f32/bf16 (last logits, active counts, and 8 greedy tokens
# of 7 prompts on 3 rows through the continuous-batching scheduler).
# speed: prefill + capture and greedy decode, Gemma-3-270M and Llama-3-8B shapes.
# Then the PyTorch peers on the same machine, after ours, and a long warm decode sampled with
# cuda-gdb (host stacks) and nvidia-smi (GPU busy %). PART=ours|sample|peers runs one part only.
set -u
S=target/gpu/ab
B=/tmp/bin; mkdir -p $B $OUT
[ -x $B/gpu_bench ] || { xz -dc $S/gpu_bench.xz > $B/gpu_bench && chmod +x $B/gpu_bench; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a $OUT/device.txt
# libcublasLt: the CUDA toolkit's or PyTorch's wheel's.
L=$(ls -d /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib 2>/dev/null | head -1)
W=$(python3 -c "import os, nvidia.cublas as c; print(os.path.join(list(c.__path__)[0], 'lib'))" 2>/dev/null)
export LD_LIBRARY_PATH=${W:-}:${L:-}:${LD_LIBRARY_PATH:-}
ls $W/libcublasLt* $L/libcublasLt* 2>/dev/null | head -3
export RUST_BACKTRACE=1 PYTHONUNBUFFERED=1
t0=$(date +%s)
log() { echo "[$(( $(date +%s) - t0 ))s] $*" | tee -a $OUT/run.log; }
G=$B/gpu_bench
P=${PART:-all}
if [ $P = all ] || [ $P = ours ]; then
  for lt in 1 0; do
    BRIDGEX_CUBLASLT=$lt timeout 150 $G parity-random --model random:gemma3-270m --device cuda --dtypes f32,bf16 --prompts 3x24 >> $OUT/parity.txt 2>> $OUT/err.txt; log "parity gemma lt=$lt rc=$?"
  done
  for lt in 1 0; do
    BRIDGEX_CUBLASLT=$lt timeout 150 $G speed --model random:gemma3-270m --device cuda --dtype bf16 --prefill 16x2048 --decode 64x32+64 --iters 2 --repeat 3 >> $OUT/speed.jsonl 2>> $OUT/err.txt; log "speed gemma lt=$lt rc=$?"
  done
  for lt in $([ -n "${SKIP_LLAMA:-}" ] || echo 1 0); do
    BRIDGEX_CUBLASLT=$lt timeout 200 $G speed --model random:llama3-8b --device cuda --dtype bf16 --prefill 4x2048 --decode 64x32+64 --iters 2 --repeat 3 >> $OUT/speed.jsonl 2>> $OUT/err.txt; log "speed llama lt=$lt rc=$?"
  done
  grep -v "prompt [0-9]" $OUT/parity.txt; cat $OUT/speed.jsonl; tail -20 $OUT/err.txt
fi
if [ $P = all ] || [ $P = peers ]; then
  pushd $S > /dev/null
  timeout 240 python3 -c "import torch_capture_peer as p, json; [print(json.dumps(p.run(k, b, 2048))) for k, b in (('gemma3-270m', 16), ('llama3-8b', 4)) if not (k == 'llama3-8b' and '${SKIP_LLAMA:-}')]" > $OUT/peer_capture.jsonl 2> $OUT/peer_capture.err; log "peer capture rc=$?"
  [ -n "${SKIP_DECODE_PEERS:-}" ] || { timeout 200 python3 torch_decode_peer.py gemma3-270m 64 32 64 > $OUT/peer_decode.jsonl 2> $OUT/peer_decode.err; log "peer decode gemma rc=$?"; }
  [ -n "${SKIP_LLAMA_DECODE:-}" ] || { timeout 200 python3 torch_decode_peer.py llama3-8b 64 32 64 >> $OUT/peer_decode.jsonl 2>> $OUT/peer_decode.err; log "peer decode llama rc=$?"; }
  cat $OUT/peer_capture.jsonl $OUT/peer_decode.jsonl; tail -5 $OUT/peer_capture.err $OUT/peer_decode.err
  popd > /dev/null
fi
if [ $P = all ] || [ $P = sample ]; then
  $G speed --model random:gemma3-270m --device cuda --dtype bf16 --prefill 64x32 --decode 64x32+512 --iters 1 > $OUT/long.jsonl 2>> $OUT/err.txt &
  Q=$!
  sleep 12
  for i in 1 2 3 4; do
    kill -0 $Q 2>/dev/null || break
    nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader >> $OUT/util.txt
    echo "=== sample $i t=$(( $(date +%s) - t0 ))s cpu=$(ps -o %cpu= -p $Q)" >> $OUT/bt.txt
    timeout 30 cuda-gdb -p $Q -batch -ex "thread apply all bt 40" 2>&1 | grep -v "^\[New\|^$" | head -300 >> $OUT/bt.txt
  done
  for i in $(seq 1 10); do kill -0 $Q 2>/dev/null || break; nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader >> $OUT/util.txt; sleep 0.5; done
  ( sleep 60; kill $Q 2>/dev/null ) & wait $Q; log "long decode rc=$?"; cat $OUT/long.jsonl $OUT/util.txt | tr '\n' ' '; echo
fi
