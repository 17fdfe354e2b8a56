# Wait at most $1 s for run.sh to finish, then show its progress.
. docs/gpu/report/env.sh
end=$(( $(date +%s) + ${1:-500} ))
while [ $(date +%s) -lt $end ] && ! grep -q done $R/log.txt 2>/dev/null; do sleep 10; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
cat $R/log.txt; for f in $R/*.err; do echo "== $f"; tail -n 25 $f; done
find $R -name '*.jsonl' | wc -l; du -sh $R
wc -l $R/gemma-3-270m/runs/generations-*.jsonl 2>/dev/null
