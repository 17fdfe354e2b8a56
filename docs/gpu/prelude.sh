# Sourced by the device scripts: unpack the binaries once per machine, name the staged model.
set -u
export PYTHONUNBUFFERED=1 RUST_BACKTRACE=1
B=/root/bin; mkdir -p $B
for b in bridgex gpu_bench; do
  f=$(ls target/gpu/b*/$b.xz 2>/dev/null); if [ -n "$f" ] && [ ! -x $B/$b ]; then xz -dc $f > $B/$b && chmod +x $B/$b; fi
done
M=/root/stage/model.gguf
G=$OUT
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a $G/device.txt
