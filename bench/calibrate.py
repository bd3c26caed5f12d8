"""Measure the constants the drift, length and untranslated checks rely on, from human translations.

Uses the fully mirrored en/zh pairs of shared/corpus/parallel (MANIFEST `mirror=FULL`) whose
parsed block sequences have the same length, so block i of the English is block i of the
Chinese (gold 1-1 pairs). Prints:
- log(len(zh) / len(en)) of gold prose pairs: mean and sd (qa/align/pairs.py LENGTH_LOG_RATIO_*);
- the length model of qa/score/signals.py LENGTH, fitted by maximum likelihood, the percentiles
  of gold length_z that qa/rules/length.py OMISSION_Z / ADDITION_Z are set from, and how
  often each candidate threshold fires on gold pairs;
- the share of ordinary English words gold translations keep (qa/rules/untranslated.py);
- for each encoder (--model, repeatable): raw cosine of gold vs mismatched pairs, and the
  calibration of qa/score/drift.py CALIBRATIONS (good_relative, good_margin, and the threshold:
  the 99th percentile of gold drift rounded up to 0.05).

Run: python bench/calibrate.py [--model use-multilingual --model multilingual-e5-small] [--no-model]
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.model import Pair
from qa.read.io import read_text
from qa.read.markdown import parse_document
from qa.score.drift import MIN_PAIRS, NEIGHBOURS, Calibration, components, score_pairs, scoreable
from qa.score.signals import LENGTH, english_kept, length_units, length_z

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/parallel"


@dataclass(frozen=True)
class GoldDocument:
    name: str
    pairs: tuple[Pair, ...]
    """Scoreable 1-1 pairs of blocks of the same kind, in document order."""


def gold_documents(corpus: Path = DEFAULT_CORPUS) -> list[GoldDocument]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if "mirror=FULL" in r["notes"]]
    documents = []
    for row in rows:
        folder = corpus / "hf-docs"
        en = parse_document(row["name"], read_text(folder / f"{row['name']}.en.md"))
        zh = parse_document(row["name"], read_text(folder / f"{row['name']}.zh.md"))
        if len(en.segments) != len(zh.segments):
            continue
        pairs = []
        for a, b in zip(en.segments, zh.segments, strict=True):
            pair = Pair(id=len(pairs), source=(a,), target=(b,), similarity=None)
            if a.kind == b.kind and scoreable(pair):
                pairs.append(pair)
        documents.append(GoldDocument(row["name"], tuple(pairs)))
    return documents


def gold_pairs(corpus: Path = DEFAULT_CORPUS) -> list[Pair]:
    return [pair for document in gold_documents(corpus) for pair in document.pairs]


def fit_length_model(pairs: list[Pair], iterations: int = 20) -> tuple[float, float, float, float]:
    """(mean, mean_per_unit, sd_floor, var_per_unit) of log(zh units / en units) by iterated
    weighted least squares: the mean by WLS on 1/n, the variance by regressing squared residuals on 1/n."""
    xs, ns = [], []
    for pair in pairs:
        units = length_units(pair)
        if units is None or units[0] < LENGTH.min_units:
            continue
        n, m = units
        xs.append(math.log(max(m, 1) / n))
        ns.append(n)
    x, inverse = np.array(xs), 1.0 / np.array(ns, dtype=float)
    design = np.stack([np.ones_like(inverse), inverse], axis=1)
    variance = np.full_like(x, x.var())
    for _ in range(iterations):
        weights = 1.0 / variance
        mean, per_unit = np.linalg.lstsq(design * weights[:, None] ** 0.5, x * weights**0.5, rcond=None)[0]
        residual2 = (x - design @ [mean, per_unit]) ** 2
        floor, var_per_unit = np.linalg.lstsq(design, residual2, rcond=None)[0]
        floor, var_per_unit = max(floor, 1e-4), max(var_per_unit, 0.0)
        variance = floor + var_per_unit * inverse
    return float(mean), float(per_unit), math.sqrt(floor), float(var_per_unit)


def document_vectors(document: GoldDocument, vectors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Arrays indexed by segment index, as the pipeline hands them to qa.score.drift.score_pairs."""
    dimension = len(next(iter(vectors.values())))
    size = 1 + max(max(p.source[0].index, p.target[0].index) for p in document.pairs)
    source, target = np.zeros((size, dimension), np.float32), np.zeros((size, dimension), np.float32)
    for pair in document.pairs:
        source[pair.source[0].index] = vectors[pair.source_text]
        target[pair.target[0].index] = vectors[pair.target_text]
    return source, target


def measure_drift(model: str, documents: list[GoldDocument], vectors: dict[str, np.ndarray]) -> Calibration:
    """good_relative and good_margin of qa/score/drift.py for one model, and its threshold: the 99th
    percentile of gold drift rounded up to 0.05."""
    similarities = []
    for document in documents:
        source, target = document_vectors(document, vectors)
        rows = [p.source[0].index for p in document.pairs]
        columns = [p.target[0].index for p in document.pairs]
        similarities.append(source[rows] @ target[columns].T)
    parts = [components(s) for s in similarities if len(s) >= MIN_PAIRS]
    relative = np.concatenate([c.relative for c in parts])
    margin = np.concatenate([c.margin for c in parts])
    good_relative = round(float(np.median(relative)), 3)
    good_margin = round(float(np.median(margin)), 3)
    unthresholded = Calibration(model, good_relative=good_relative, good_margin=good_margin, threshold=1.0)
    drift = np.array([d for document in documents for d in _drifts(document, vectors, unthresholded)])
    threshold = math.ceil(float(np.percentile(drift, 99)) * 20) / 20

    gold = np.concatenate([np.diag(s) for s in similarities])
    mismatched = np.concatenate([s[~np.eye(len(s), dtype=bool)] for s in similarities])
    print(f"\nmodel {model}: raw cosine distance (1 - cos) of gold vs mismatched pairs")
    print("| percentile | gold | mismatched |")
    print("|---|---|---|")
    for q in (5, 50, 90, 95, 99):
        print(f"| {q} | {np.percentile(1 - gold, q):.3f} | {np.percentile(1 - mismatched, q):.3f} |")
    means = [float(s[~np.eye(len(s), dtype=bool)].mean()) for s in similarities]
    print(f"mean cosine of mismatched pairs per document: {min(means):.3f}..{max(means):.3f} (sd {np.std(means):.3f})")
    print(f"good_relative (median relative distance of gold pairs): {good_relative}")
    print(f"good_margin (median k={NEIGHBOURS} margin of gold pairs): {good_margin}")
    for name, values in (("relative", relative), ("margin", margin)):
        percentiles = " / ".join(f"{np.percentile(values, q):.3f}" for q in (5, 50, 95))
        print(f"  {name}: gold percentiles 5/50/95: {percentiles}")
    print(
        "calibrated drift of gold pairs, percentiles 50/90/95/99: "
        + " / ".join(f"{np.percentile(drift, q):.3f}" for q in (50, 90, 95, 99))
    )
    for candidate in (0.3, 0.35, 0.4, 0.5, 0.6, 0.7):
        print(f"  threshold {candidate:.2f}: gold flagged {np.mean(drift > candidate):.1%}")
    calibration = Calibration(model, good_relative=good_relative, good_margin=good_margin, threshold=threshold)
    print(f"=> {calibration}")
    return calibration


def _drifts(document: GoldDocument, vectors: dict[str, np.ndarray], calibration: Calibration) -> list[float]:
    source, target = document_vectors(document, vectors)
    scores = score_pairs(document.pairs, source, target, calibration)
    return [s.drift for s in scores if s.drift is not None]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", help="encoder(s) to calibrate [default: use-multilingual]")
    parser.add_argument("--no-model", action="store_true", help="only the constants that need no encoder")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    documents = gold_documents(args.corpus)
    pairs = [p for d in documents for p in d.pairs]
    logs = [math.log(len(p.target_text) / len(p.source_text)) for p in pairs]
    print(f"gold prose pairs: {len(pairs)} in {len(documents)} documents")
    print(f"log length ratio zh/en (raw text): mean {statistics.mean(logs):.3f} sd {statistics.stdev(logs):.3f}")

    mean, per_unit, floor, var_per_unit = fit_length_model(pairs)
    print(
        f"length model (qa/score/signals.py LENGTH): mean {mean:.3f} mean_per_unit {per_unit:.2f} "
        f"sd_floor {floor:.3f} var_per_unit {var_per_unit:.2f}"
    )
    zs = np.array([z for p in pairs if (z := length_z(p)) is not None])
    print(f"length_z of gold pairs under LENGTH as set: n {zs.size}, mean {zs.mean():.2f}, sd {zs.std():.2f}")
    print(
        f"  1st percentile {np.percentile(zs, 1):.2f}, 99th percentile {np.percentile(zs, 99):.2f} "
        "(qa/rules/length.py OMISSION_Z and ADDITION_Z: about 1 gold pair in 100 flagged by each)"
    )
    for threshold in (2.5, 2.75, 3.0, 3.5):
        print(
            f"  threshold {threshold}: omission (z < -{threshold}) {np.mean(zs < -threshold):.1%}, "
            f"addition (z > {threshold}) {np.mean(zs > threshold):.1%} of gold pairs"
        )
    kept = np.array([k for p in pairs if (k := english_kept(p)) is not None])
    print(
        f"english_kept of gold pairs: n {kept.size}; percentiles 50/95/99/100: "
        + " / ".join(f"{np.percentile(kept, q):.2f}" for q in (50, 95, 99, 100))
    )

    from qa.embed.encoders import load_encoder

    for model in [] if args.no_model else args.model or ["use-multilingual"]:
        encoder = load_encoder(model)
        texts = sorted({t for p in pairs for t in (p.source_text, p.target_text)})
        measure_drift(model, documents, dict(zip(texts, encoder.encode(texts), strict=True)))


if __name__ == "__main__":
    main()
