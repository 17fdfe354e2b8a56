# Background runs (setsid): ours 8B prefill, then ours Gemma shape; results in /root/res.
. target/gpu/s/prelude.sh
mkdir -p /root/res; export CUBECL_AUTOTUNE_LEVEL=minimal
s=$(date +%s)
timeout 1200 $B/gpu_bench speed --model random:llama3-8b --device cuda --dtype bf16 --prefill 4x2048 --iters 3 --skip-decode > /root/res/ours8b.jsonl 2> /root/res/ours8b.err; echo "ours 8b rc=$? wall $(( $(date +%s) - s )) s" >> /root/res/ours8b.err
s=$(date +%s)
timeout 900 $B/gpu_bench speed --model random:gemma3-270m --device cuda --dtype bf16 --prefill 16x2048 --decode 64x32+64 --iters 3 > /root/res/oursg.jsonl 2> /root/res/oursg.err; echo "ours gemma rc=$? wall $(( $(date +%s) - s )) s" >> /root/res/oursg.err
