# Summarise cubecl's environment database: compilations (count, seconds by kernel), autotune runs.
import sqlite3, sys, collections
sys.path.insert(0, 'target/gpu/s')
from cbor import d, secs
c = sqlite3.connect(sys.argv[1])
ns = collections.Counter(n for (n,) in c.execute('select namespace from entries'))
print({k: v for k, v in ns.items()})
by = collections.defaultdict(lambda: [0, 0.0]); out = collections.Counter(); tot = 0.0
for (v,) in c.execute("select value from entries where namespace='records/v1/compilation'"):
    r = d(v)['record']; k = r['kernel'].split('::')[-1]; s = secs(r['duration']) if r.get('duration') else 0.0
    out[r['outcome']] += 1; by[k][0] += 1; by[k][1] += s; tot += s
print('compilations', dict(out), 'seconds', round(tot, 1))
for k, (n, s) in sorted(by.items(), key=lambda x: -x[1][1])[:12]:
    print(f'  {n:4d} {s:8.1f} s  {k}')
tabs = collections.Counter(d(v)['record']['table'].split('/')[-1] for (v,) in c.execute("select value from entries where namespace='records/v1/autotune'"))
print('autotune runs', dict(tabs))
