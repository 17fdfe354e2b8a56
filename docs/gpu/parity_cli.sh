# CUDA-vs-CPU parity through the CLI: `bridgex generate` (top-5 logits per step, JSON).
. target/gpu/s/prelude.sh
sha256sum $M | tee $G/model_sha.txt
for dd in "cuda f32" "cuda bf16" "cpu f32"; do set -- $dd
  s=$(date +%s.%N)
  timeout 150 $B/bridgex generate --model $M --prompt 'English:"water"→Deutsch:' --prompt 'The capital of France is' --max-new-tokens 4 --device $1 --dtype $2 --format json > $G/generate_$1_$2.json 2> $G/generate_$1_$2.err
  echo "generate $1 $2 rc=$? wall $(echo "$(date +%s.%N) - $s" | bc) s" | tee -a $G/generate_summary.txt
  tail -3 $G/generate_$1_$2.err
done
head -c 1500 $G/generate_cuda_f32.json
