"""How well do drift, length and untranslated flags catch damaged translations, and at what cost?

Quality. The gold documents of bench/calibrate.py (the fully mirrored en/zh pairs of
shared/corpus/parallel with equal block counts, block i paired with block i) are damaged on
purpose: in each round, 20% of the prose blocks (paragraphs, list items, quotes) of every
Chinese document are corrupted, in turn
- replaced: by a Chinese paragraph of another document;
- truncated: cut to the first half of the block;
- dropped: one sentence removed from a block of two or more;
- untranslated: the English block copied in its place;
and every other block is left intact. Each pair is then scored exactly as `qa check` scores
an aligned pair (qa.score.drift.score_pairs with the model's calibration, qa.score.signals), and the
ROC AUC of each score separates each corruption type from the intact pairs. "combined" is
the largest of the rule scores, each divided by its rule's threshold: the number `qa check`
effectively compares with 1. The flag rates are at the default thresholds.

Cost. For each backend, in fresh processes with an empty cache directory: `qa check
examples/issue13.zh.md` wall time and peak RSS (cold cache, then warm), the first-use build
of the e5 model, and segments per second when one batch of corpus blocks is encoded.

Run: python bench/drift.py [--model use-multilingual --model multilingual-e5-small] [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from calibrate import DEFAULT_CORPUS, GoldDocument, gold_documents

from qa.model import Pair, Segment, SegmentKind
from qa.read.markdown import parse_document
from qa.rules.length import ADDITION_Z, OMISSION_Z
from qa.rules.untranslated import KEPT_THRESHOLD
from qa.score.drift import calibration_for, score_pairs
from qa.score.signals import english_kept, length_z

REPO = Path(__file__).resolve().parents[1]
CORRUPTIONS = ("replaced", "truncated", "dropped", "untranslated")
SHARE = 0.2
_PROSE = {SegmentKind.PARAGRAPH, SegmentKind.LIST_ITEM, SegmentKind.QUOTE}
_SENTENCE_END = re.compile(r"[。！？!?；]")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class LabelledDocument:
    name: str
    pairs: tuple[Pair, ...]
    labels: tuple[str, ...]
    """"intact" or the corruption applied to the pair's Chinese block."""


# ---------------------------------------------------------------- corruptions


def corrupt(documents: list[GoldDocument], seed: int) -> list[LabelledDocument]:
    """One round: 20% of each document's prose blocks corrupted, the types taken in turn."""
    rng = random.Random(seed)
    foreign = {
        d.name: [p.target[0] for p in d.pairs if p.target[0].kind is SegmentKind.PARAGRAPH and len(p.target_text) > 40]
        for d in documents
    }
    out = []
    for document in documents:
        pairs, labels = list(document.pairs), ["intact"] * len(document.pairs)
        candidates = [k for k, p in enumerate(pairs) if p.source[0].kind in _PROSE]
        rng.shuffle(candidates)
        first = rng.randrange(len(CORRUPTIONS))
        pool = [segment for name, segments in foreign.items() if name != document.name for segment in segments]
        for turn in range(max(1, round(SHARE * len(candidates)))):
            kind = CORRUPTIONS[(first + turn) % len(CORRUPTIONS)]
            for k in candidates:
                if labels[k] != "intact":
                    continue
                damaged = _damage(kind, pairs[k], pool, rng)
                if damaged is not None:
                    pairs[k] = replace(pairs[k], target=(damaged,))
                    labels[k] = kind
                    break
        out.append(LabelledDocument(document.name, tuple(pairs), tuple(labels)))
    return out


def _damage(kind: str, pair: Pair, foreign: list[Segment], rng: random.Random) -> Segment | None:
    source, target = pair.source[0], pair.target[0]
    if kind == "replaced":
        raw = rng.choice(foreign).raw
    elif kind == "truncated":
        raw = target.raw[: _cut_outside_protected(target, len(target.raw) // 2)].rstrip()
    elif kind == "dropped":
        raw = _drop_sentence(target, rng)
    else:
        raw = source.raw
    damaged = None if raw is None else _reparse(raw, target)
    # A corruption that leaves the text as it was (a block the human translator also left
    # in English, say) would be labelled damaged while it is not: try another block.
    return None if damaged is None or damaged.text == target.text else damaged


def _cut_outside_protected(segment: Segment, at: int) -> int:
    """The first offset from `at` on that is not inside a URL, link target or code span."""
    for span in sorted(segment.protected, key=lambda s: s.start):
        if span.start < at < span.end:
            at = span.end
    return at


def _drop_sentence(segment: Segment, rng: random.Random) -> str | None:
    raw = segment.raw
    inside = {i for span in segment.protected for i in range(span.start, span.end)}
    cuts = [m.end() for m in _SENTENCE_END.finditer(raw) if m.start() not in inside and m.end() < len(raw.rstrip())]
    bounds = [0, *cuts, len(raw)]
    sentences = [raw[a:b] for a, b in itertools.pairwise(bounds) if raw[a:b].strip()]
    if len(sentences) < 2:
        return None
    dropped = rng.randrange(len(sentences))
    kept = "".join(s for i, s in enumerate(sentences) if i != dropped)
    marker = _LIST_MARKER.match(sentences[0])
    if dropped == 0 and marker:  # keep the block a list item
        kept = marker.group(0) + kept.lstrip()
    return kept


def _reparse(raw: str, like: Segment) -> Segment | None:
    """The corrupted Markdown parsed as qa parses it, in the place of the original block."""
    parsed = parse_document("corrupted.zh.md", raw).segments
    if len(parsed) != 1 or not parsed[0].text.strip():
        return None
    return replace(parsed[0], index=like.index, start_line=like.start_line, end_line=like.end_line)


# ---------------------------------------------------------------- scoring


def score_round(rounds: list[list[LabelledDocument]], model: str, vectors: dict[str, np.ndarray]) -> dict:
    """Per pair: label and the four scores (None where the rule does not judge)."""
    calibration = calibration_for(model)
    rows = []
    dimension = len(next(iter(vectors.values())))
    for documents in rounds:
        for document in documents:
            size = 1 + max(max(p.source[0].index, p.target[0].index) for p in document.pairs)
            source = np.zeros((size, dimension), np.float32)
            target = np.zeros((size, dimension), np.float32)
            for pair in document.pairs:
                source[pair.source[0].index] = vectors[pair.source_text]
                target[pair.target[0].index] = vectors[pair.target_text]
            scores = score_pairs(document.pairs, source, target, calibration)
            for pair, label, score in zip(document.pairs, document.labels, scores, strict=True):
                rows.append((label, score.drift, length_z(pair), english_kept(pair)))
    labels = np.array([r[0] for r in rows])
    drift = np.array([0.0 if r[1] is None else r[1] for r in rows])
    z = np.array([0.0 if r[2] is None else r[2] for r in rows])
    kept = np.array([0.0 if r[3] is None else r[3] for r in rows])
    length = np.maximum(-z / OMISSION_Z, z / ADDITION_Z)
    signals = {
        "drift": drift / calibration.threshold,
        "length": length,
        "untranslated": kept / KEPT_THRESHOLD,
    }
    signals["combined"] = np.maximum.reduce(list(signals.values()))
    return {"labels": labels, "signals": signals, "threshold": calibration.threshold}


def roc_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counting half (Mann-Whitney U)."""
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2
    return float(u / (len(positive) * len(negative)))


def quality_table(results: dict[str, dict]) -> list[str]:
    lines = [
        "| encoder | score | " + " | ".join(CORRUPTIONS) + " |",
        "|---|---|" + "---|" * len(CORRUPTIONS),
    ]
    for model, result in results.items():
        labels, signals = result["labels"], result["signals"]
        intact = labels == "intact"
        for name, values in signals.items():
            aucs = [roc_auc(values[labels == kind], values[intact]) for kind in CORRUPTIONS]
            lines.append(f"| {model} | {name} | " + " | ".join(f"{a:.3f}" for a in aucs) + " |")
    lines += ["", "| encoder | flagged at default thresholds | intact | " + " | ".join(CORRUPTIONS) + " |"]
    lines += ["|---|---|---|" + "---|" * len(CORRUPTIONS)]
    for model, result in results.items():
        labels, signals = result["labels"], result["signals"]
        for name, values in signals.items():
            rates = [np.mean(values[labels == kind] > 1.0) for kind in ("intact", *CORRUPTIONS)]
            lines.append(f"| {model} | {name} | " + " | ".join(f"{r:.1%}" for r in rates) + " |")
    return lines


# ---------------------------------------------------------------- cost

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "rss_mb": rss / 1024, "code": result.returncode, "stderr": result.stderr[-500:]}))
"""


def measure(command: list[str], env: dict[str, str]) -> dict:
    """Wall time and peak RSS of one command, in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    return json.loads(completed.stdout)


def cost(model: str, texts: list[str], repeats: int) -> dict[str, float]:
    import os

    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as reports:
        env = {**os.environ, "QA_CACHE_DIR": cache}
        qa = [sys.executable, "-m", "qa", "check", "examples/issue13.zh.md", "--model", model, "--report-dir", reports]
        figures: dict[str, float] = {}
        if model == "multilingual-e5-small":
            build = [sys.executable, "-c", "from qa.embed.e5 import ensure_built; ensure_built()"]
            first = measure(build, env)
            figures["first-use build s"] = first["wall"]
            figures["first-use build MB"] = first["rss_mb"]
        cold, warm = [], []
        for _ in range(repeats):
            for path in Path(cache).glob("embeddings.sqlite3*"):
                path.unlink()
            cold.append(measure(qa, env))
            warm.append(measure(qa, env))
        assert all(run["code"] in (0, 1) for run in cold + warm), cold[0]["stderr"]
        figures["check cold s"] = float(np.median([r["wall"] for r in cold]))
        figures["check warm s"] = float(np.median([r["wall"] for r in warm]))
        figures["check peak MB"] = max(r["rss_mb"] for r in cold + warm)
        throughput = [
            sys.executable,
            "-c",
            "import json, sys, time; from qa.embed.encoders import load_encoder; "
            "texts = json.load(open(sys.argv[1])); e = load_encoder(sys.argv[2], cache=False); "
            "t = time.perf_counter(); e.encode(texts); print(len(texts) / (time.perf_counter() - t))",
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(texts, handle)
        completed = subprocess.run(
            [*throughput, handle.name, model], capture_output=True, text=True, env=env, cwd=REPO, check=True
        )
        Path(handle.name).unlink()
        figures["segments/s"] = float(completed.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", help="[default: use-multilingual and multilingual-e5-small]")
    parser.add_argument("--rounds", type=int, default=10, help="corruption rounds (seeds 0..N-1)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per cost figure (median)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-cost", action="store_true", help="quality table only")
    args = parser.parse_args()
    models = args.model or ["use-multilingual", "multilingual-e5-small"]

    documents = gold_documents(args.corpus)
    rounds = [corrupt(documents, seed) for seed in range(args.rounds)]
    counts = Counter(label for documents in rounds for d in documents for label in d.labels)
    print(f"{len(documents)} gold documents, {args.rounds} rounds: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    texts = sorted({t for ds in rounds for d in ds for p in d.pairs for t in (p.source_text, p.target_text)})

    from qa.embed.encoders import load_encoder

    results = {}
    for model in models:
        encoder = load_encoder(model, cache=False)
        results[model] = score_round(rounds, model, dict(zip(texts, encoder.encode(texts), strict=True)))
    print("\n".join(quality_table(results)))
    if "multilingual-e5-small" in models:
        print("\n" + "\n".join(prompt_table(rounds, texts)))

    if args.no_cost:
        return
    corpus_texts = sorted({t for d in documents for p in d.pairs for t in (p.source_text, p.target_text)})
    print(f"\ncost ({len(corpus_texts)} corpus blocks in one batch for segments/s; {args.repeats} runs, median)")
    figures = {model: cost(model, corpus_texts, args.repeats) for model in models}
    names = list(dict.fromkeys(name for model in models for name in figures[model]))
    print("| figure | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))
    for name in names:
        cells = [f"{figures[m][name]:.2f}" if name in figures[m] else "–" for m in models]
        print(f"| {name} | " + " | ".join(cells) + " |")


def prompt_table(rounds: list[list[LabelledDocument]], texts: list[str]) -> list[str]:
    """e5 was trained with "query: " and "passage: " prefixes; which separates best here?
    Raw cosine distance (no calibration, so no constant measured with one prefix favours it)."""
    from qa.embed.encoders import SentenceTransformerEncoder, e5

    path = str(e5.ensure_built())
    lines = ["| e5 prefix (raw 1 - cos) | " + " | ".join(CORRUPTIONS) + " |", "|---|" + "---|" * len(CORRUPTIONS)]
    for prompt in ("query: ", "passage: ", ""):
        encoder = SentenceTransformerEncoder(name=e5.MODEL_NAME, path=path, prompt=prompt)
        vectors = dict(zip(texts, encoder.encode(texts), strict=True))
        rows = [
            (label, 1.0 - float(vectors[p.source_text] @ vectors[p.target_text]))
            for documents in rounds
            for d in documents
            for p, label in zip(d.pairs, d.labels, strict=True)
        ]
        labels, distance = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
        aucs = [roc_auc(distance[labels == kind], distance[labels == "intact"]) for kind in CORRUPTIONS]
        lines.append(f"| {prompt!r} | " + " | ".join(f"{a:.3f}" for a in aucs) + " |")
    return lines


if __name__ == "__main__":
    main()
