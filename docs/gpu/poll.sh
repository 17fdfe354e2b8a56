# Wait (at most $1 s) for the background runs, then copy what they wrote to $OUT.
end=$(( $(date +%s) + ${1:-500} ))
while [ $(date +%s) -lt $end ] && ! grep -q done /root/res/log.txt 2>/dev/null; do sleep 10; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
for f in /root/res/*.jsonl; do sed "s/^/$(basename $f .jsonl)\t/" $f; done > $OUT/all.tsv
cp /root/res/log.txt $OUT/ 2>/dev/null; cat /root/res/log.txt
grep -v "^parity" $OUT/all.tsv | cut -c1-600; grep "^parity.*{" $OUT/all.tsv
cp /root/res/cachesum.txt $OUT/ 2>/dev/null; cat /root/res/cachesum.txt 2>/dev/null
for f in /root/res/*.err; do echo "== $f"; tail -c 1500 $f; done > $OUT/errs.txt
