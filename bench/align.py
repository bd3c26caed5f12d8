"""Alignment benchmark: F1 of gold block links on real en/zh pairs, clean and perturbed, and speed.

Data: the 12 fully mirrored pairs of shared/corpus/parallel (MANIFEST `mirror=FULL`). Gold
links are the identity where both sides parse to the same block kinds in the same order (10
pairs); for the other 2 the groups in bench/data/align_gold.tsv were derived by hand from the
two parses, and blocks between those groups pair 1-1 in order.

Perturbations of the Chinese side, each with a fixed seed: drop 10% of blocks, merge 10% of
adjacent paragraph pairs, split 10% of multi-sentence paragraphs at a sentence end, wrap 20%
of blocks in `**…**` the way MT output does, and all four together. A perturbed document is
written back to Markdown and parsed again, so the aligner sees what a user's file would give.

Methods: qa's aligner with the multilingual encoder, qa's aligner with no encoder
(`--no-drift`), and a length-only Gale–Church (1993) baseline written here, not in the product.

Run: python bench/align.py [--corpus ../shared/corpus/parallel] [--no-encoder]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from qa.align.pairs import align
from qa.model import Document, Segment, SegmentKind
from qa.read.io import read_text
from qa.read.markdown import parse_document

SEED = 13
HERE = Path(__file__).resolve().parent
Link = tuple[int, int]


@dataclass(frozen=True)
class Case:
    name: str
    source: Document
    target: Document
    gold: frozenset[Link]


@dataclass(frozen=True)
class Block:
    raw: str
    kind: SegmentKind
    origins: tuple[int, ...]
    level: int = 0


# ---------------------------------------------------------------- gold


def load_cases(corpus: Path) -> list[Case]:
    exceptions = _gold_exceptions()
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        names = [r["name"] for r in csv.DictReader(handle, delimiter="\t") if "mirror=FULL" in r["notes"]]
    cases = []
    for name in names:
        en = parse_document(f"{name}.en.md", read_text(corpus / "hf-docs" / f"{name}.en.md"))
        zh = parse_document(f"{name}.zh.md", read_text(corpus / "hf-docs" / f"{name}.zh.md"))
        groups = _gold_groups(len(en.segments), len(zh.segments), exceptions.get(name, []))
        for en_ids, zh_ids in groups:  # the hand-made gold must agree with the parse
            if len(en_ids) == len(zh_ids) == 1 and en.segments[en_ids[0]].kind != zh.segments[zh_ids[0]].kind:
                raise SystemExit(f"{name}: gold pairs blocks of different kinds at en {en_ids} / zh {zh_ids}")
        gold = frozenset((e, z) for en_ids, zh_ids in groups for e in en_ids for z in zh_ids)
        cases.append(Case(name, en, zh, gold))
    return cases


def _gold_exceptions() -> dict[str, list[tuple[list[int], list[int]]]]:
    table: dict[str, list[tuple[list[int], list[int]]]] = {}
    lines = [line for line in (HERE / "data" / "align_gold.tsv").read_text().splitlines() if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        table.setdefault(row["name"], []).append((_ids(row["en_blocks"]), _ids(row["zh_blocks"])))
    return table


def _ids(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def _gold_groups(n: int, m: int, exceptions: list[tuple[list[int], list[int]]]) -> list[tuple[list[int], list[int]]]:
    groups = []
    i = j = 0
    for en_ids, zh_ids in sorted(exceptions):
        while i < en_ids[0]:
            groups.append(([i], [j]))
            i, j = i + 1, j + 1
        if j != zh_ids[0]:
            raise SystemExit(f"gold exception {en_ids}/{zh_ids} does not follow in order (zh at {j})")
        groups.append((en_ids, zh_ids))
        i, j = en_ids[-1] + 1, zh_ids[-1] + 1
    while i < n and j < m:
        groups.append(([i], [j]))
        i, j = i + 1, j + 1
    if (i, j) != (n, m):
        raise SystemExit(f"gold does not cover both sides: ended at ({i}, {j}) of ({n}, {m})")
    return groups


# ---------------------------------------------------------------- perturbations


def blocks_of(document: Document) -> list[Block]:
    return [Block(s.raw, s.kind, (s.index,), s.heading_level) for s in document.segments]


def drop(blocks: list[Block], rng: random.Random, share: float = 0.1) -> list[Block]:
    gone = set(rng.sample(range(len(blocks)), round(share * len(blocks))))
    return [b for k, b in enumerate(blocks) if k not in gone]


def merge(blocks: list[Block], rng: random.Random, share: float = 0.1) -> list[Block]:
    candidates = [k for k in range(len(blocks) - 1) if _prose(blocks[k]) and _prose(blocks[k + 1])]
    chosen: set[int] = set()
    for k in rng.sample(candidates, len(candidates)):
        if len(chosen) >= round(share * len(blocks)):
            break
        if not {k - 1, k, k + 1} & chosen:
            chosen.add(k)
    out: list[Block] = []
    k = 0
    while k < len(blocks):
        if k in chosen:
            a, b = blocks[k], blocks[k + 1]
            out.append(Block(a.raw + b.raw, SegmentKind.PARAGRAPH, a.origins + b.origins))
            k += 2
        else:
            out.append(blocks[k])
            k += 1
    return out


_SENTENCE_END = re.compile(r"(?<=[。！？])(?=[^\s」”）)])")


def split(blocks: list[Block], rng: random.Random, share: float = 0.1) -> list[Block]:
    candidates = [k for k, b in enumerate(blocks) if _prose(b) and _sentence_cuts(b.raw)]
    chosen = set(rng.sample(candidates, min(len(candidates), round(share * len(blocks)))))
    out: list[Block] = []
    for k, block in enumerate(blocks):
        if k in chosen:
            cut = rng.choice(_sentence_cuts(block.raw))
            out.append(Block(block.raw[:cut], block.kind, block.origins))
            out.append(Block(block.raw[cut:].lstrip(), block.kind, block.origins))
        else:
            out.append(block)
    return out


def wrap_bold(blocks: list[Block], rng: random.Random, share: float = 0.2) -> list[Block]:
    candidates = [k for k, b in enumerate(blocks) if b.kind in (*_PROSE_KINDS, SegmentKind.HEADING, SegmentKind.IMAGE)]
    chosen = set(rng.sample(candidates, min(len(candidates), round(share * len(blocks)))))
    return [Block(_bold(b), b.kind, b.origins, b.level) if k in chosen else b for k, b in enumerate(blocks)]


def all_four(blocks: list[Block], rng: random.Random) -> list[Block]:
    return wrap_bold(split(merge(drop(blocks, rng), rng), rng), rng)


_PROSE_KINDS = (SegmentKind.PARAGRAPH, SegmentKind.QUOTE)


def _prose(block: Block) -> bool:
    return block.kind in _PROSE_KINDS and "\n" not in block.raw.strip()


def _sentence_cuts(raw: str) -> list[int]:
    return [m.start() for m in _SENTENCE_END.finditer(raw) if 8 < m.start() < len(raw) - 8]


def _bold(block: Block) -> str:
    # Where MT puts the markers: inside the heading or list marker, around everything else.
    marker = re.match(r"^(#{1,6}\s+|\s*(?:[*+-]|\d+[.)])\s+|>\s*)", block.raw)
    head = marker.group(0) if marker else ""
    return f"{head}**{block.raw[len(head) :]}**"


def render(blocks: Sequence[Block], name: str) -> tuple[Document, list[tuple[int, ...]]]:
    document = parse_document(name, "\n\n".join(b.raw for b in blocks) + "\n")
    if len(document.segments) != len(blocks):
        raise ValueError(f"{name}: {len(blocks)} blocks written, {len(document.segments)} parsed")
    return document, [b.origins for b in blocks]


def perturbed_gold(case: Case, origins: list[tuple[int, ...]]) -> frozenset[Link]:
    by_original: dict[int, list[int]] = {}
    for new, old in enumerate(origins):
        for k in old:
            by_original.setdefault(k, []).append(new)
    return frozenset((e, new) for e, z in case.gold for new in by_original.get(z, []))


# ---------------------------------------------------------------- methods


Aligner = Callable[[Document, Document], list[tuple[tuple[int, ...], tuple[int, ...]]]]


def qa_aligner(encode: Callable[[list[str]], np.ndarray] | None) -> Aligner:
    def run(source: Document, target: Document):
        vectors = (None, None)
        if encode is not None:
            vectors = (_vectors(encode, source), _vectors(encode, target))
        return [
            (tuple(s.index for s in p.source), tuple(t.index for t in p.target))
            for p in align(source, target, *vectors).pairs
        ]

    return run


def _vectors(encode: Callable[[list[str]], np.ndarray], document: Document) -> np.ndarray:
    texts = [s.text for s in document.segments]
    wanted = [k for k, t in enumerate(texts) if t.strip()]
    encoded = encode([texts[k] for k in wanted])
    out = np.zeros((len(texts), encoded.shape[1] if wanted else 1), dtype=np.float32)
    out[wanted] = encoded
    return out


class GaleChurch:
    """Length-only baseline (Gale & Church 1993) over the same five step types."""

    PRIORS: ClassVar[dict[tuple[int, int], float]] = {
        (1, 1): 0.89,
        (1, 0): 0.0099,
        (0, 1): 0.0099,
        (2, 1): 0.089,
        (1, 2): 0.089,
    }

    def __init__(self, cases: Sequence[Case]) -> None:
        en, zh = [], []
        for case in cases:
            for e, z in case.gold:
                en.append(self.length(case.source.segments[e]))
                zh.append(self.length(case.target.segments[z]))
        en_arr, zh_arr = np.array(en), np.array(zh)
        self.c = float(zh_arr.sum() / en_arr.sum())
        self.s2 = float(np.mean((zh_arr - self.c * en_arr) ** 2 / en_arr))

    @staticmethod
    def length(segment: Segment) -> int:
        return len(segment.text or segment.raw) + 1

    def cost(self, l1: float, l2: float, move: tuple[int, int]) -> float:
        if l1 == 0 or l2 == 0:
            return -math.log(self.PRIORS[move])
        delta = (l2 - l1 * self.c) / math.sqrt(l1 * self.s2)
        tail = max(2 * (1 - 0.5 * (1 + math.erf(abs(delta) / math.sqrt(2)))), 1e-12)
        return -math.log(self.PRIORS[move]) - math.log(tail)

    def __call__(self, source: Document, target: Document):
        a = [self.length(s) for s in source.segments]
        b = [self.length(s) for s in target.segments]
        n, m = len(a), len(b)
        cost = np.full((n + 1, m + 1), np.inf)
        back: dict[tuple[int, int], tuple[int, int]] = {}
        cost[0, 0] = 0.0
        for i in range(n + 1):
            for j in range(m + 1):
                for di, dj in self.PRIORS:
                    pi, pj = i - di, j - dj
                    if pi < 0 or pj < 0 or not np.isfinite(cost[pi, pj]):
                        continue
                    total = cost[pi, pj] + self.cost(sum(a[pi:i]), sum(b[pj:j]), (di, dj))
                    if total < cost[i, j]:
                        cost[i, j], back[(i, j)] = total, (pi, pj)
        steps, i, j = [], n, m
        while (i, j) != (0, 0):
            pi, pj = back[(i, j)]
            steps.append((tuple(range(pi, i)), tuple(range(pj, j))))
            i, j = pi, pj
        return steps[::-1]


def links(steps) -> frozenset[Link]:
    return frozenset((e, z) for en_ids, zh_ids in steps for e in en_ids for z in zh_ids)


def f1(predicted: frozenset[Link], gold: frozenset[Link]) -> tuple[int, int, int]:
    return len(predicted & gold), len(predicted), len(gold)


# ---------------------------------------------------------------- speed


def speed(cases: Sequence[Case], encode, blocks: int = 2000) -> list[tuple[str, str]]:
    chosen: list[Case] = []
    while sum(len(c.source.segments) for c in chosen) < blocks:  # whole documents, cycled
        chosen.append(cases[len(chosen) % len(cases)])
    source = parse_document("big.en.md", "\n\n".join(c.source.text for c in chosen))
    target = parse_document("big.zh.md", "\n\n".join(c.target.text for c in chosen))
    gold: set[Link] = set()
    en_offset = zh_offset = 0
    for case in chosen:
        gold.update((e + en_offset, z + zh_offset) for e, z in case.gold)
        en_offset, zh_offset = en_offset + len(case.source.segments), zh_offset + len(case.target.segments)
    if (en_offset, zh_offset) != (len(source.segments), len(target.segments)):
        raise SystemExit("concatenated documents parse differently from their parts")
    rows = [("blocks (en / zh)", f"{len(source.segments)} / {len(target.segments)}")]
    start = time.perf_counter()
    pairs = align(source, target).pairs
    seconds = time.perf_counter() - start
    rows.append(("align, no encoder", f"{seconds:.2f} s, F1 {_f1_of(pairs, frozenset(gold)):.3f}"))
    if encode is not None:
        start = time.perf_counter()
        vectors = _vectors(encode, source), _vectors(encode, target)
        embed_seconds = time.perf_counter() - start
        start = time.perf_counter()
        pairs = align(source, target, *vectors).pairs
        align_seconds = time.perf_counter() - start
        total = len(source.segments) + len(target.segments)
        rows.append(("embed both sides", f"{embed_seconds:.2f} s"))
        f1_value = _f1_of(pairs, frozenset(gold))
        rows.append(("align with vectors (excl. embedding)", f"{align_seconds:.2f} s, F1 {f1_value:.3f}"))
        rows.append(("blocks/s incl. embedding", f"{total / (embed_seconds + align_seconds):.0f}"))
    return rows


def detection(cases: Sequence[Case], encode) -> list[tuple[str, str]]:
    """How often a truncated target or another article's target gets its one finding."""
    from qa.rules.alignment import TRUNCATED_TARGET, UNRELATED_DOCUMENTS, check_alignment

    def rules(source: Document, target: Document) -> set[str]:
        vectors = (_vectors(encode, source), _vectors(encode, target)) if encode else (None, None)
        return {f.rule for f in check_alignment(align(source, target, *vectors))}

    counts = {"clean": [0, 0], "first half only": [0, 0], "another article": [0, 0]}
    for k, case in enumerate(cases):
        half = "\n\n".join(s.raw for s in case.target.segments[: len(case.target.segments) // 2]) + "\n"
        other = cases[(k + 1) % len(cases)].target
        clean_rules = rules(case.source, case.target)
        counts["clean"][0] += bool(clean_rules & {TRUNCATED_TARGET.id, UNRELATED_DOCUMENTS.id})
        counts["first half only"][0] += TRUNCATED_TARGET.id in rules(case.source, parse_document("h", half))
        counts["another article"][0] += UNRELATED_DOCUMENTS.id in rules(case.source, other)
        for row in counts.values():
            row[1] += 1
    return [(name, f"{hit} of {total}") for name, (hit, total) in counts.items()]


def _f1_of(pairs, gold: frozenset[Link]) -> float:
    steps = [(tuple(s.index for s in p.source), tuple(t.index for t in p.target)) for p in pairs]
    hit, predicted, total = f1(links(steps), gold)
    precision, recall = hit / max(predicted, 1), hit / max(total, 1)
    return 2 * precision * recall / max(precision + recall, 1e-9)


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parents[1] / "shared/corpus/parallel")
    parser.add_argument("--no-encoder", action="store_true", help="skip the encoder rows")
    args = parser.parse_args()
    cases = load_cases(args.corpus)

    encode = None
    if not args.no_encoder:
        from qa.embed.encoders import load_encoder

        encoder = load_encoder()
        memo: dict[str, np.ndarray] = {}

        def encode(texts: list[str]) -> np.ndarray:
            missing = list(dict.fromkeys(t for t in texts if t not in memo))
            if missing:
                memo.update(zip(missing, encoder.encode(missing), strict=True))
            return np.stack([memo[t] for t in texts])

    methods: dict[str, Aligner] = {"Gale–Church (length)": GaleChurch(cases), "qa, no encoder": qa_aligner(None)}
    if encode is not None:
        methods["qa + USE"] = qa_aligner(encode)
    perturbations = {
        "clean": lambda blocks, rng: blocks,
        "drop 10%": drop,
        "merge 10%": merge,
        "split 10%": split,
        "bold 20%": wrap_bold,
        "all four": all_four,
    }
    totals = {(p, m): [0, 0, 0] for p in perturbations for m in methods}
    for case in cases:
        for p_name, perturb in perturbations.items():
            rng = random.Random(f"{SEED}:{case.name}:{p_name}")
            target, origins = render(perturb(blocks_of(case.target), rng), case.target.path)
            gold = perturbed_gold(case, origins)
            for m_name, method in methods.items():
                counts = f1(links(method(case.source, target)), gold)
                for k in range(3):
                    totals[(p_name, m_name)][k] += counts[k]

    print(
        f"F1 of gold block links over {len(cases)} pairs, {sum(len(c.source.segments) for c in cases)} English blocks"
    )
    print("| perturbation | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for p_name in perturbations:
        cells = []
        for m_name in methods:
            hit, predicted, gold = totals[(p_name, m_name)]
            precision, recall = hit / max(predicted, 1), hit / max(gold, 1)
            cells.append(f"{2 * precision * recall / max(precision + recall, 1e-9):.3f}")
        print(f"| {p_name} | " + " | ".join(cells) + " |")
    print()
    print("| target | truncated-target or unrelated-documents finding |")
    print("|---|---|")
    for name, value in detection(cases, encode):
        print(f"| {name} | {value} |")
    print()
    print("| speed | |")
    print("|---|---|")
    for name, value in speed(cases, None if args.no_encoder else encoder.encode):
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
