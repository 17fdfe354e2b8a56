# GPU issue, "no crash at any shape": decode with 1..64 rows and an odd prompt length, each
# shape in its own process (CUDA error 700 poisons the context), then the one-row batches that
# failed before (a 64-token budget for 64-token prompts); compute-sanitizer's memcheck on the
# first shape that fails. Gemma-3-270M shape, random weights, bf16. Kernels compile in the first
# process and come from cubecl's on-disk cache after.
set -u
B=/tmp/bin; mkdir -p $B $OUT
xz -dc target/gpu/sweep/gpu_bench.xz > $B/gpu_bench && chmod +x $B/gpu_bench
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee $OUT/device.txt
export RUST_BACKTRACE=1
one() { # label args...
  local label=$1; shift; local s=$(date +%s)
  timeout ${TO:-240} $B/gpu_bench speed --model random:gemma3-270m --device cuda --dtype bf16 \
    --iters 1 "$@" > $OUT/one.jsonl 2> $OUT/one.err
  local rc=$?
  sed "s/^/$label\t/" $OUT/one.jsonl >> $OUT/sweep.jsonl
  echo "$label rc=$rc wall $(( $(date +%s) - s )) s $*" | tee -a $OUT/sweep.log
  [ $rc -ne 0 ] && { echo "== $label" >> $OUT/fail.err; tail -c 3000 $OUT/one.err >> $OUT/fail.err; }
  return $rc
}
FIRST_FAIL=""
for r in 1 2 3 5 8 13 16 31 32 33 48 63 64; do
  one "rows$r" --prefill ${r}x37 --decode ${r}x37+8 || { [ -z "$FIRST_FAIL" ] && FIRST_FAIL="--prefill ${r}x37 --decode ${r}x37+8"; }
done
one "onerow64" --prefill 1x64 --decode 8x64+8 --decode-batch-tokens 64 || { [ -z "$FIRST_FAIL" ] && FIRST_FAIL="--prefill 1x64 --decode 8x64+8 --decode-batch-tokens 64"; }
one "onerow37" --prefill 1x37 --decode 5x37+8 --decode-batch-tokens 37 || { [ -z "$FIRST_FAIL" ] && FIRST_FAIL="--prefill 1x37 --decode 5x37+8 --decode-batch-tokens 37"; }
if [ -n "$FIRST_FAIL" ]; then
  echo "memcheck: $FIRST_FAIL" | tee -a $OUT/sweep.log
  timeout 300 compute-sanitizer --tool memcheck --print-limit 20 $B/gpu_bench speed \
    --model random:gemma3-270m --device cuda --dtype bf16 --iters 1 $FIRST_FAIL > $OUT/memcheck.txt 2>&1
  echo "memcheck rc=$?" | tee -a $OUT/sweep.log; head -c 6000 $OUT/memcheck.txt
fi
cat $OUT/sweep.log
# The compiled static-cache decode peer on the same machine (after ours, GPU otherwise idle).
if [ -f target/gpu/sweep/torch_decode_peer.py ]; then
  ( cd target/gpu/sweep && timeout ${PEER_TO:-200} python3 torch_decode_peer.py gemma3-270m 64 32 64 ) > $OUT/peer_decode.jsonl 2> $OUT/peer_decode.err
  echo "peer rc=$?" | tee -a $OUT/sweep.log; cat $OUT/peer_decode.jsonl; tail -3 $OUT/peer_decode.err
fi
