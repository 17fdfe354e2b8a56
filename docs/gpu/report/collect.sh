# Pack the results (report, per-item files, memo) and the new artifacts into $OUT in parts of
# 15 MB (the tool brings back files of at most 16 MiB). Join here with `cat res.tar.xz.* | tar -xJ`.
. docs/gpu/report/env.sh
tar -C $R -cJf /root/res.tar.xz . && split -b 15M -d /root/res.tar.xz $OUT/res.tar.xz.
tar -C $S/art -cJf $OUT/art-filter.tar.xz probe-filter
ls -la $OUT
