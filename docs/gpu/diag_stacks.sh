# Where does the first CUDA forward spend its time? Compile log + stack samples.
. target/gpu/s/prelude.sh
export CUBECL_AUTOTUNE_LEVEL=${AT:-minimal} CUBECL_DEBUG_LOG=$OUT/cubecl.log
s=$(date +%s)
$B/gpu_bench speed --model random:gemma3-270m --device cuda --dtype bf16 --prefill ${PF:-2x64} --iters 2 --skip-decode > $OUT/g.jsonl 2> $OUT/g.err &
P=$!
for i in $(seq 1 ${NS:-8}); do
  sleep ${SL:-25}; kill -0 $P 2>/dev/null || break
  echo "=== sample $i t=$(( $(date +%s) - s ))s cpu=$(ps -o %cpu= -p $P) gpu=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader)" >> $OUT/bt.txt
  timeout 60 cuda-gdb -p $P -batch -ex "thread apply all bt 30" 2>&1 | grep -v "^\[New\|^$" | head -250 >> $OUT/bt.txt
done
( sleep ${TL:-60}; kill $P 2>/dev/null ) & wait $P; echo "rc=$? wall $(( $(date +%s) - s ))s" >> $OUT/g.err
cat $OUT/g.jsonl; tail -5 $OUT/g.err; wc -l $OUT/cubecl.log; head -c 3000 $OUT/cubecl.log
