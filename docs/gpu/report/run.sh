# Background (setsid): the study on the GPU. First the short-answer tasks over all 15 pairs, then
# every task; both invocations resume from the same per-item files and generation memo, so the
# second redoes nothing the first finished.
. docs/gpu/report/env.sh
mkdir -p $R
go() { # name, then reproduce's task list
  local s=$(date +%s)
  /root/bin/xtask reproduce --device cuda --dtype f32 --batch-size ${BS:-256} --batch-tokens 65536 \
    --filter-max-words 500 --tasks $2 --out $R/gemma-3-270m --quiet > $R/$1.out 2> $R/$1.err
  echo "$1 rc=$? wall $(( $(date +%s) - s )) s" >> $R/log.txt
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >> $R/log.txt
go short bli,xcopa,sib
go all bli,mt,xcopa,sib,belebele
echo done >> $R/log.txt
