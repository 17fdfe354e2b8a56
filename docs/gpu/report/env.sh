# Sourced by the report scripts on the lent GPU machine (run from the repository root).
set -u
S=/root/stage          # staged files: model chunks, data mirror, cached artifacts, the binary
R=/root/res            # what the run writes; collect.sh packs it into $OUT
export BRIDGEX_GEMMA_GGUF=$S/model.gguf
export BRIDGEX_DATA_MIRROR=$S/data/data BRIDGEX_DATA_DIR=/root/data
export BRIDGEX_ARTIFACTS_DIR=$S/art BRIDGEX_MODEL_DIR=/root/models
export RUST_BACKTRACE=1 CUDA_CACHE_MAXSIZE=4294967296
