#!/usr/bin/env python3
"""Independent reference values for tests/it/significance.rs, computed by scipy and statsmodels.

Exact command that produced tests/data/significance.json (scipy 1.17.1, statsmodels 0.15.0,
numpy as pip resolved it for them):

    python3 -m venv /tmp/statvenv && /tmp/statvenv/bin/pip install scipy==1.17.1 statsmodels==0.15.0
    /tmp/statvenv/bin/python crates/xicl-eval/tests/significance_reference.py \
        > crates/xicl-eval/tests/data/significance.json

Every case holds its inputs and the library's outputs; the Rust test recomputes them.
"""
import json
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests


def binomtest_cases():
    out = []
    for k, n in [(5, 13), (8, 13), (3, 10), (0, 10), (10, 10), (7, 14), (1, 1), (0, 1),
                 (250, 500), (200, 500), (30, 1000), (480, 1012), (12, 40), (2, 3)]:
        r = stats.binomtest(k, n, 0.5, alternative="two-sided")
        out.append({"k": k, "n": n, "p_value": float(r.pvalue),
                    "call": f"scipy.stats.binomtest({k}, {n}, 0.5).pvalue"})
    return out


def mcnemar_cases():
    out = []
    # [[both right, first only], [second only, both wrong]]
    for table in [[[10, 3], [8, 9]], [[5, 0], [0, 5]], [[0, 1], [0, 0]], [[300, 30], [55, 627]],
                  [[2, 7], [7, 4]], [[0, 12], [1, 0]], [[40, 0], [9, 51]]]:
        r = mcnemar(np.array(table), exact=True)
        out.append({"table": table, "statistic": float(r.statistic), "p_value": float(r.pvalue),
                    "call": f"statsmodels mcnemar(np.array({table}), exact=True)"})
    return out


def wilcoxon_cases():
    rng = np.random.default_rng(20261207)
    cases = {
        # exact: no ties, no zeros, n <= 50
        "exact_small": [1.5, -0.25, 3.0, 2.25, -4.5, 5.75, 0.5, 6.0, 7.25, -1.0],
        "exact_50": [round(float(x), 6) for x in rng.normal(0.3, 1.0, 50)],
        "exact_one": [2.0],
        "exact_all_positive": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        # n > 50: normal approximation
        "normal_51": [round(float(x), 6) for x in rng.normal(0.2, 1.0, 51)],
        # ties or zeros and n <= 13: scipy enumerates every sign flip
        "flips_ties_zeros": [1.0, -2.0, 2.0, 0.0, 3.0, 3.0, -1.0, 4.0],
        "flips_ties": [10.0, 10.0, -10.0, 20.0, 5.0, 5.0, 5.0, -5.0, 30.0, 10.0, 15.0, 20.0, 25.0],
        "flips_zero_one": [0.0, 0.0, 3.5],
        # ties or zeros and n > 13: normal approximation with the tie correction
        "normal_ties_20": [10.0, -10.0, 10.0, 20.0, 20.0, -30.0, 10.0, 0.0, 40.0, 10.0,
                           -20.0, 10.0, 50.0, 10.0, 10.0, 0.0, 20.0, -10.0, 30.0, 10.0],
        "normal_zeros_15": [0.0, 1.1, -2.2, 3.3, 4.4, 5.5, -6.6, 7.7, 8.8, 9.9, 11.0, -12.1, 13.2,
                            14.3, 0.0],
    }
    out = []
    for name, d in cases.items():
        r = stats.wilcoxon(d)
        case = {"name": name, "diffs": d, "statistic": float(r.statistic),
                "p_value": float(r.pvalue), "call": "scipy.stats.wilcoxon(diffs)"}
        if name.startswith("normal"):
            a = stats.wilcoxon(d, method="asymptotic")
            assert a.pvalue == r.pvalue
            case["z"] = float(a.zstatistic)
        out.append(case)
    return out


def holm_cases():
    out = []
    for p in [[0.01, 0.04, 0.03, 0.005], [0.5, 0.2, 0.2, 0.9, 0.04, 0.001], [1.0], [0.03, 0.03],
              [0.58, 1.0, 0.0234, 0.0078, 0.3, 0.012]]:
        out.append({"p": p, "adjusted": [float(x) for x in multipletests(p, method="holm")[1]],
                    "call": "statsmodels.stats.multitest.multipletests(p, method='holm')[1]"})
    return out


def percentile_cases():
    x = [3.0, -1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]
    qs = [0.0, 2.5, 25.0, 50.0, 97.5, 100.0]
    return {"values": x, "q": qs, "percentiles": [float(v) for v in np.percentile(x, qs)],
            "call": "numpy.percentile(values, q)"}


def bootstrap_case():
    rng = np.random.default_rng(7)
    d = [round(float(x), 4) for x in rng.normal(1.0, 2.0, 25)]
    r = stats.bootstrap((np.array(d),), np.mean, method="percentile", confidence_level=0.95,
                        n_resamples=200_000, rng=np.random.default_rng(11))
    return {"diffs": d, "low": float(r.confidence_interval.low),
            "high": float(r.confidence_interval.high),
            "standard_error": float(r.standard_error),
            "call": "scipy.stats.bootstrap((d,), np.mean, method='percentile', "
                    "n_resamples=200_000, rng=np.random.default_rng(11))"}


json.dump({
    "versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                 "numpy": np.__version__},
    "binomtest": binomtest_cases(),
    "mcnemar": mcnemar_cases(),
    "wilcoxon": wilcoxon_cases(),
    "holm": holm_cases(),
    "percentile": percentile_cases(),
    "bootstrap": bootstrap_case(),
}, sys.stdout, indent=1)
print()
