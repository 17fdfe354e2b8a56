# Llama-3-8B shape, random weights: ours (burn CUDA, NVRTC) next to PyTorch in the same command.
. target/gpu/s/prelude.sh
export CUBECL_AUTOTUNE_LEVEL=${AT:-minimal}
s=$(date +%s)
( timeout ${T1:-330} $B/gpu_bench speed --model random:llama3-8b --device cuda --dtype ${DT:-bf16} --prefill 4x2048 --decode 64x32+64 --iters 3 ) > $G/speed8b.jsonl 2> $G/speed8b.err; echo "ours 8b rc=$? wall $(( $(date +%s) - s )) s" >> $G/speed8b.err
cat $G/speed8b.jsonl; tail -3 $G/speed8b.err
( cd target/gpu/s && timeout ${T2:-200} python3 -c "import json,torch_capture_peer as p; print(json.dumps(p.run('llama3-8b',4,2048)))" ) > $G/peer8b.jsonl 2> $G/peer8b.err; echo "peer 8b rc=$?" >> $G/peer8b.err
cat $G/peer8b.jsonl; tail -2 $G/peer8b.err
