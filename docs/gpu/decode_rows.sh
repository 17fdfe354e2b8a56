# Decode with every prompt in one batch (after the generation row cap became a setting):
# Gemma-3-270M shape, random weights. When this ran, gpu_bench took its token budget from the
# prefill shape, so the prefill is given the decode's rows x prompt (gpu_bench now sets both).
# A cold process (kernels compiled as new shapes come), the same again with the kernel cache
# warm, then 256 rows (what `reproduce --batch-size 256` asks of a GPU).
set -u
B=/root/bin; mkdir -p $B $OUT/r
xz -dc target/gpu/g/gpu_bench.xz > $B/gpu_bench && chmod +x $B/gpu_bench
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $OUT/r/device.txt
for run in "cold bf16 64x32 64x32+64 180" "warm bf16 64x32 64x32+64 100" "cold f32 256x64 256x64+128 150"; do set -- $run
  s=$(date +%s)
  timeout $5 $B/gpu_bench speed --model random:gemma3-270m --device cuda --dtype $2 --prefill $3 --iters 1 --decode $4 > $OUT/r/one.jsonl 2>> $OUT/r/ours.err
  rc=$?; sed "s/^/$1\t/" $OUT/r/one.jsonl >> $OUT/r/ours.jsonl
  echo "$1 $2 $4 rc=$rc wall $(( $(date +%s) - s )) s" | tee -a $OUT/r/ours.err
done
cat $OUT/r/ours.jsonl; tail -c 1200 $OUT/r/ours.err
