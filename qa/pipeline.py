"""The stages in order for one target file: read -> parse -> align -> check -> score -> Report.

The CLI builds CheckOptions and renders the Report; everything between happens here, so a
test or another program can run a check without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa import __version__
from qa.align import align
from qa.checks import alignment as alignment_checks
from qa.checks import drift as drift_checks
from qa.checks import glossary as glossary_checks
from qa.checks import language as language_checks
from qa.glossary import Glossary
from qa.io import read_text
from qa.markdown import parse_document
from qa.model import Alignment, Document, Finding, PairScore, Report, Signature

# The 99th percentile of drift (1 - cosine) over 314 human-translated block pairs of
# shared/corpus/parallel under that model: 1% of good pairs flagged, 99% of mismatched
# pairs caught (measured by bench/calibrate.py).
DEFAULT_DRIFT_THRESHOLDS = {"use-multilingual": 0.45}
FALLBACK_DRIFT_THRESHOLD = 0.5


@dataclass(frozen=True)
class CheckOptions:
    target: Path
    source: Path | None
    """None: no English source, so only the checks the Chinese alone supports run."""
    model: str | None
    """None: no embeddings (`--no-drift`); alignment uses anchors and lengths only."""
    drift_threshold: float | None = None


def drift_threshold_for(model: str, override: float | None) -> float:
    if override is not None:
        return override
    return DEFAULT_DRIFT_THRESHOLDS.get(model, FALLBACK_DRIFT_THRESHOLD)


def english_source_for(target: Path) -> Path | None:
    """`name.zh.md` -> `name.en.md` beside it; None when the name does not say it is Chinese."""
    name = target.name
    for suffix in (".zh.md", ".zh-CN.md", ".zh-Hans.md"):
        if name.endswith(suffix):
            return target.with_name(name[: -len(suffix)] + ".en.md")
    return None


def run_check(
    options: CheckOptions,
    glossary: Glossary,
    encoder_factory: Callable[[str], object] | None = None,
) -> Report:
    """Run every stage for one file. `encoder_factory(model)` returns an Encoder (lazily imported)."""
    target = parse_document(str(options.target), read_text(options.target))
    notes: list[str] = []
    if options.source is None:
        notes.append("no English source: alignment, missing-block and drift checks were skipped")
        return Report(
            target=target.path,
            source=None,
            signature=_signature(glossary, None, None),
            pairs=(),
            scores=(),
            findings=_sorted(
                language_checks.check_documents(None, target) + glossary_checks.check_document(target, glossary)
            ),
            notes=tuple(notes),
            target_text=target.text,
        )

    source = parse_document(str(options.source), read_text(options.source))
    source_vectors = target_vectors = None
    threshold = None
    if options.model is not None:
        if encoder_factory is None:
            from qa.embed import load_encoder as encoder_factory
        encoder = encoder_factory(options.model)
        source_vectors, target_vectors = _embed(encoder, source, target)
        threshold = drift_threshold_for(options.model, options.drift_threshold)
    else:
        notes.append("drift not scored (--no-drift): alignment used structure and length only")

    alignment = align(source, target, source_vectors, target_vectors)
    findings: list[Finding] = language_checks.check_documents(source, target)
    findings += alignment_checks.check_alignment(alignment)
    unrelated = alignment_checks.is_unrelated(findings)
    if unrelated:
        notes.append("the target does not look like a translation of the source: only checks that need no English ran")
        findings += glossary_checks.check_document(target, glossary)
    else:
        findings += glossary_checks.check_alignment(alignment, glossary)
    scores: tuple[PairScore, ...] = ()
    if not unrelated and source_vectors is not None and target_vectors is not None and threshold is not None:
        from qa.drift import score_pairs

        scores = score_pairs(alignment.pairs, source_vectors, target_vectors)
        findings += drift_checks.check_scores(alignment, scores, threshold)
    else:
        scores = tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs)
    return Report(
        target=target.path,
        source=source.path,
        signature=_signature(glossary, options.model, threshold),
        pairs=alignment.pairs,
        scores=scores,
        findings=_sorted(findings),
        notes=tuple(notes),
        target_text=target.text,
    )


def run_align(
    source_path: Path,
    target_path: Path,
    model: str | None,
    encoder_factory: Callable[[str], object] | None = None,
) -> tuple[Alignment, tuple[PairScore, ...]]:
    """Parse and align two files, with drift per pair when a model is given (`qa align`)."""
    source = parse_document(str(source_path), read_text(source_path))
    target = parse_document(str(target_path), read_text(target_path))
    if model is None:
        alignment = align(source, target)
        return alignment, tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs)
    if encoder_factory is None:
        from qa.embed import load_encoder as encoder_factory
    from qa.drift import score_pairs

    source_vectors, target_vectors = _embed(encoder_factory(model), source, target)
    alignment = align(source, target, source_vectors, target_vectors)
    return alignment, score_pairs(alignment.pairs, source_vectors, target_vectors)


def _embed(encoder, source: Document, target: Document) -> tuple[np.ndarray, np.ndarray]:
    """One batch for both documents; blocks without prose get a zero vector."""
    texts = [s.text for s in source.segments] + [s.text for s in target.segments]
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    encoded = encoder.encode([texts[i] for i in wanted])
    vectors = np.zeros((len(texts), encoded.shape[1] if len(wanted) else 1), dtype=np.float32)
    if wanted:
        vectors[wanted] = encoded
    return vectors[: len(source.segments)], vectors[len(source.segments) :]


def _signature(glossary: Glossary, model: str | None, threshold: float | None) -> Signature:
    thresholds = (("drift_high", threshold),) if threshold is not None else ()
    return Signature(qa_version=__version__, glossaries=glossary.files, model=model, thresholds=thresholds)


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.line, f.column, f.rule, f.text)))
