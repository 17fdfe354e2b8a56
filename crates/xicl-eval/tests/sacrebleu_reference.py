#!/usr/bin/env python3
"""Independent reference figures for tests/sacrebleu_parity.rs, computed by sacreBLEU itself.

Exact command that produced the constants in tests/sacrebleu_parity.rs (sacreBLEU 2.6.0):

    pip install sacrebleu==2.6.0
    python3 crates/xicl-eval/tests/sacrebleu_reference.py /work/shared/data > /tmp/consts.rs

The script prints Rust constant definitions. Inputs:
  * tests/data/handcrafted.json: (hypothesis, reference) pairs with tokeniser edge cases;
  * the first 50 lines of FLORES-200 devtest files as references, against hypotheses made by
    `perturb` below (the Rust test re-implements the same character-level perturbation).
"""
import json
import os
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar

HERE = os.path.dirname(os.path.abspath(__file__))


def perturb(i, lines):
    """Deterministic hypothesis for reference line i: works on code points only."""
    line = lines[i]
    c = list(line)
    n = len(c)
    if i == 13:
        return ""
    k = i % 6
    if k == 0:
        return line
    if k == 1:  # delete 4 code points at a moving position
        p = (7 * i) % n
        return "".join(c[:p] + c[p + 4:])
    if k == 2:  # keep the first two thirds
        return "".join(c[: (2 * n) // 3])
    if k == 3:  # swap the halves
        h = n // 2
        return "".join(c[h:] + c[:h])
    if k == 4:  # every 5th code point becomes 'x'
        return "".join("x" if j % 5 == 4 else ch for j, ch in enumerate(c))
    return lines[(i + 3) % len(lines)]  # k == 5: an unrelated sentence


def rs(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0 or o in (0x2028, 0x2029):
            out.append("\\u{%x}" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def f(x):
    return repr(float(x))


def bleu_stats(b, hyps, refs):
    s = b.corpus_score(hyps, [refs])
    return "BleuRef { score: %s, counts: [%s], totals: [%s], sys_len: %d, ref_len: %d }" % (
        f(s.score), ", ".join(str(int(x)) for x in s.counts),
        ", ".join(str(int(x)) for x in s.totals), s.sys_len, s.ref_len)


def main():
    data = sys.argv[1]
    cases = json.load(open(os.path.join(HERE, "data", "handcrafted.json"), encoding="utf-8"))
    hyps = [h for h, _ in cases]
    refs = [r for _, r in cases]
    strings = hyps + refs

    for name, tok in (("13A", Tokenizer13a()), ("ZH", TokenizerZh()), ("CHAR", TokenizerChar())):
        # BLEU applies rstrip() before the tokeniser; the constants are tokenizer(s.rstrip()).
        print("const TOK_%s: [&str; %d] = [" % (name, len(strings)))
        for s in strings:
            print("    %s," % rs(tok(s.rstrip())))
        print("];")

    print("const HAND_BLEU_13A: BleuRef = %s;" % bleu_stats(BLEU(), hyps, refs))
    print("const HAND_BLEU_ZH: BleuRef = %s;" % bleu_stats(BLEU(tokenize="zh"), hyps, refs))
    print("const HAND_BLEU_CHAR: BleuRef = %s;" % bleu_stats(BLEU(tokenize="char"), hyps, refs))
    print("const HAND_CHRF: f64 = %s;" % f(CHRF().corpus_score(hyps, [refs]).score))
    print("const HAND_CHRF_PP: f64 = %s;" % f(CHRF(word_order=2).corpus_score(hyps, [refs]).score))
    print("const HAND_SENT_CHRF_PP: [f64; %d] = [%s];" % (len(cases), ", ".join(
        f(sacrebleu.sentence_chrf(h, [r], word_order=2).score) for h, r in cases)))
    print("const HAND_SENT_BLEU: [f64; %d] = [%s];" % (len(cases), ", ".join(
        f(sacrebleu.sentence_bleu(h, [r]).score) for h, r in cases)))

    # every smoothing method, with and without effective order, segment by segment
    for method in ("none", "floor", "add-k", "exp"):
        for eff in (False, True):
            b = BLEU(smooth_method=method, effective_order=eff)
            print("const HAND_SEG_BLEU_%s_%s: [f64; %d] = [%s];" % (
                method.upper().replace("-", ""), "EFF" if eff else "NOEFF", len(cases),
                ", ".join(f(b.corpus_score([h], [[r]]).score) for h, r in cases)))

    sets = (("ENG", "eng_Latn", "13a"), ("DEU", "deu_Latn", "13a"),
            ("ZHO", "zho_Hans", "zh"), ("JPN", "jpn_Jpan", "char"))
    for name, code, tok in sets:
        path = os.path.join(data, "flores200", "devtest", code + ".devtest")
        lines = open(path, encoding="utf-8").read().split("\n")[:50]
        h = [perturb(i, lines) for i in range(len(lines))]
        print("const %s_BLEU: BleuRef = %s;" % (name, bleu_stats(BLEU(tokenize=tok), h, lines)))
        print("const %s_CHRF: f64 = %s;" % (name, f(CHRF().corpus_score(h, [lines]).score)))
        print("const %s_CHRF_PP: f64 = %s;" % (name, f(CHRF(word_order=2).corpus_score(h, [lines]).score)))
        print("const %s_SENT_CHRF_PP: [f64; 8] = [%s];" % (name, ", ".join(
            f(sacrebleu.sentence_chrf(h[i], [lines[i]], word_order=2).score) for i in range(8))))
        if name == "ENG":
            for label, b in (("NONE", BLEU(smooth_method="none")),
                             ("FLOOR", BLEU(smooth_method="floor")),
                             ("ADDK", BLEU(smooth_method="add-k")),
                             ("LC", BLEU(lowercase=True)),
                             ("EFF", BLEU(effective_order=True))):
                print("const ENG_BLEU_%s: f64 = %s;" % (label, f(b.corpus_score(h, [lines]).score)))
            # two reference streams: the true one and the perturbation of the next line
            r2 = [perturb((i + 1) % len(lines), lines) for i in range(len(lines))]
            print("const ENG_BLEU_2REF: BleuRef = %s;" % bleu_stats_multi(BLEU(), h, [lines, r2]))
            print("const ENG_CHRF_PP_2REF: f64 = %s;" % f(
                CHRF(word_order=2).corpus_score(h, [lines, r2]).score))


def bleu_stats_multi(b, hyps, ref_streams):
    s = b.corpus_score(hyps, ref_streams)
    return "BleuRef { score: %s, counts: [%s], totals: [%s], sys_len: %d, ref_len: %d }" % (
        f(s.score), ", ".join(str(int(x)) for x in s.counts),
        ", ".join(str(int(x)) for x in s.totals), s.sys_len, s.ref_len)


if __name__ == "__main__":
    main()
