# Usage: stage.sh N   (copies the carried chunk N; assembles and checks when all 5 are there)
mkdir -p /root/stage
for f in target/gpu-stage/c*/chunk.*; do [ -f "$f" ] && cp "$f" /root/stage/; done
ls -la /root/stage
if [ ! -f /root/stage/model.gguf ] && [ "$(ls /root/stage/chunk.* 2>/dev/null | wc -l)" = 6 ]; then
  cat /root/stage/chunk.0 /root/stage/chunk.1 /root/stage/chunk.2 /root/stage/chunk.3 /root/stage/chunk.4 /root/stage/chunk.5 > /root/stage/model.gguf
fi
if [ -f /root/stage/model.gguf ]; then
  echo "$(sha256sum /root/stage/model.gguf)" ; echo "want a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
fi
