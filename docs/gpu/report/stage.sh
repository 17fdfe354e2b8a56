# Copy what this call carried (target/gpu-stage/*/*) to $S; once all model parts are there,
# join them and check the sha256; unpack the data mirror, the artifacts and the binary once.
. docs/gpu/report/env.sh
mkdir -p $S /root/bin
for f in target/gpu-stage/*/*; do [ -f "$f" ] && cp -n "$f" $S/; done
if [ ! -f $S/model.ok ] && [ "$(ls $S/model.part.* 2>/dev/null | wc -l)" = "${PARTS:-8}" ]; then
  cat $S/model.part.* > $S/model.gguf
  echo "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818  $S/model.gguf" | sha256sum -c && touch $S/model.ok
fi
for t in data art; do
  if [ -f $S/$t.tar.xz ] && [ ! -d $S/$t ]; then mkdir -p $S/$t && tar -C $S/$t -xJf $S/$t.tar.xz; fi
done
if [ -f $S/xtask.xz ] && [ ! -x /root/bin/xtask ]; then xz -dc $S/xtask.xz > /root/bin/xtask && chmod +x /root/bin/xtask; fi
ls $S; ls /root/bin; [ -f $S/model.ok ] && echo "model staged"
