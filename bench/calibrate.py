"""Measure the constants the aligner and the drift check rely on, from human translations.

Uses the fully mirrored en/zh pairs of shared/corpus/parallel (MANIFEST `mirror=FULL`) whose
parsed block sequences have the same length, so block i of the English is block i of the
Chinese (gold 1-1 pairs). Prints:
- log(len(zh) / len(en)) of gold prose pairs: mean and sd (qa/align.py LENGTH_LOG_RATIO_*);
- the drift (1 - cosine) of gold pairs vs. mismatched pairs under an encoder, with the
  percentiles that qa/pipeline.py DEFAULT_DRIFT_THRESHOLDS is set from.

Run: python bench/calibrate.py [--model use-multilingual] [--corpus ../shared/corpus/parallel]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import statistics
from pathlib import Path

import numpy as np

from qa.drift import scoreable
from qa.embed import load_encoder
from qa.io import read_text
from qa.markdown import parse_document
from qa.model import Pair


def gold_pairs(corpus: Path) -> list[Pair]:
    pairs: list[Pair] = []
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if "mirror=FULL" in r["notes"]]
    for row in rows:
        folder = corpus / "hf-docs"
        en = parse_document(row["name"], read_text(folder / f"{row['name']}.en.md"))
        zh = parse_document(row["name"], read_text(folder / f"{row['name']}.zh.md"))
        if len(en.segments) != len(zh.segments):
            continue
        for a, b in zip(en.segments, zh.segments, strict=True):
            if a.kind == b.kind:
                pairs.append(Pair(id=len(pairs), source=(a,), target=(b,), similarity=None))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="use-multilingual")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/parallel")
    args = parser.parse_args()
    pairs = [p for p in gold_pairs(args.corpus) if scoreable(p)]
    logs = [math.log(len(p.target_text) / len(p.source_text)) for p in pairs]
    print(f"gold prose pairs: {len(pairs)}")
    print(f"log length ratio zh/en: mean {statistics.mean(logs):.3f} sd {statistics.stdev(logs):.3f}")

    encoder = load_encoder(args.model)
    en = encoder.encode([p.source_text for p in pairs])
    zh = encoder.encode([p.target_text for p in pairs])
    gold = 1.0 - np.sum(en * zh, axis=1)
    rng = random.Random(13)
    shuffled = list(range(len(pairs)))
    rng.shuffle(shuffled)
    mismatched = np.array([1.0 - float(en[i] @ zh[j]) for i, j in enumerate(shuffled) if i != j])
    print(f"model {args.model}: drift of gold pairs vs mismatched pairs")
    print("| percentile | gold | mismatched |")
    print("|---|---|---|")
    for q in (5, 50, 90, 95, 99):
        print(f"| {q} | {np.percentile(gold, q):.3f} | {np.percentile(mismatched, q):.3f} |")
    for threshold in (0.4, 0.45, 0.5, 0.55, 0.6):
        print(
            f"threshold {threshold:.2f}: gold flagged {np.mean(gold > threshold):.1%}, "
            f"mismatched caught {np.mean(mismatched > threshold):.1%}"
        )


if __name__ == "__main__":
    main()
