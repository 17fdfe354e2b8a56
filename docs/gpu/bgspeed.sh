# Background (setsid): cold runs of both shapes at once (compiles kernels, fills cubecl's kernel
# and autotune caches), then the measured runs one after the other with the caches warm.
. target/gpu/s/prelude.sh
R=/root/res; mkdir -p $R
export CUBECL_AUTOTUNE_LEVEL=${AT:-minimal} CUDA_CACHE_MAXSIZE=4294967296
run() { # name model prefill decode iters
  local s=$(date +%s)
  timeout ${TO:-1500} $B/gpu_bench speed --model $2 --device cuda --dtype bf16 --prefill $3 --decode $4 --iters $5 > $R/$1.jsonl 2> $R/$1.err
  echo "$1 rc=$? wall $(( $(date +%s) - s )) s" | tee -a $R/$1.err >> $R/log.txt
}
run coldg random:gemma3-270m 16x2048 64x32+64 1 &
run cold8b random:llama3-8b 4x2048 64x32+64 1 &
wait
run oursg random:gemma3-270m 16x2048 64x32+64 3
run ours8b random:llama3-8b 4x2048 64x32+64 3
# Parity on identical random weights (device vs CPU f32), both dtypes.
for m in gemma3-270m llama3-8b; do
  timeout 900 $B/gpu_bench parity-random --model random:$m --device cuda --dtypes f32,bf16 --prompts 3x24 > $R/parity_$m.jsonl 2> $R/parity_$m.err
  echo "parity $m rc=$?" >> $R/log.txt
done
du -sh target/environment ~/.nv 2>/dev/null >> $R/log.txt
python3 target/gpu/s/cachesum.py target/environment/default.db > $R/cachesum.txt 2>&1
echo done >> $R/log.txt
