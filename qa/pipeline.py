"""The stages in order for one target file: read -> parse -> align -> check -> score -> Report.

The CLI builds CheckOptions and renders the Report; everything between happens here, so a
test or another program can run a check without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa import __version__, windows
from qa.align import align
from qa.checks import alignment as alignment_checks
from qa.checks import consistency as consistency_checks
from qa.checks import drift as drift_checks
from qa.checks import glossary as glossary_checks
from qa.checks import language as language_checks
from qa.checks import length as length_checks
from qa.checks import untranslated as untranslated_checks
from qa.gcpause import collector_paused
from qa.glossary import Glossary
from qa.io import read_text
from qa.markdown import parse_document
from qa.model import Alignment, Document, Finding, PairScore, Report, Signature
from qa.selection import RuleSelection
from qa.signals import with_text_signals

Clock = Callable[[str], AbstractContextManager[object]]
"""Wraps one stage ("read", "parse", "embed", "align", "glossary", "other checks")."""


def _untimed(stage: str) -> AbstractContextManager[object]:
    return nullcontext()


@dataclass(frozen=True)
class CheckOptions:
    target: Path
    source: Path | None
    """None: no English source, so only the checks the Chinese alone supports run."""
    model: str | None
    """None: no embeddings (`--no-drift`); alignment uses anchors and lengths only."""
    drift_threshold: float | None = None
    """None: the model's measured threshold (qa/drift.py CALIBRATIONS)."""
    reference: Path | None = None
    """A human reference translation: chrF and BLEU per pair and for the document."""
    selection: RuleSelection = field(default_factory=RuleSelection)
    """Which rules report (`--select` / `--ignore`); every rule by default."""
    severity: tuple[tuple[str, str], ...] = ()
    """Per-rule severity overrides from the config file ("off" drops a rule's findings)."""


def preload() -> None:
    """Load now what the checks otherwise load on first use: cn2an (~0.1 s), AutoCorrect's
    rules, and the modules `_final` imports. A process that forks workers calls this once
    before forking, so no worker pays for it; nothing here imports torch or an encoder."""
    from qa import config, numbers, suppress  # noqa: F401 (config, suppress: loaded for `_final`)
    from qa.checks import typography

    numbers.preload()
    typography.preload()


MARKDOWN_EXTENSIONS = (".md", ".mdx", ".markdown")
"""What a target file may be named: Markdown, and MDX (Markdown with JSX components)."""


def english_source_for(target: Path) -> Path | None:
    """`name.zh.md` -> `name.en.md` beside it (`name.zh.mdx` -> `name.en.mdx`); None when the
    name does not say it is Chinese."""
    name = target.name
    for extension in MARKDOWN_EXTENSIONS:
        for language in (".zh", ".zh-CN", ".zh-Hans"):
            if name.endswith(language + extension):
                return target.with_name(name[: -len(language + extension)] + ".en" + extension)
    return None


@collector_paused()
def run_check(
    options: CheckOptions,
    glossary: Glossary,
    encoder_factory: Callable[[str], object] | None = None,
    clock: Clock | None = None,
) -> Report:
    """Run every stage for one file. `encoder_factory(model)` returns an Encoder (lazily
    imported); `clock(stage)`, when given, wraps each stage, so `python -m bench` times the
    product's own code rather than a copy of it. The garbage collector is paused meanwhile
    (qa.gcpause): the checks make a finding, a number, a place per item of a long block."""
    clock = clock or _untimed
    with clock("read"):
        target_text = read_text(options.target)
    with clock("parse"):
        target = parse_document(str(options.target), target_text)
    notes: list[str] = []
    if options.source is None:
        notes.append("no English source: alignment, missing-block and drift checks were skipped")
        with clock("other checks"):
            findings = language_checks.check_documents(None, target)
        with clock("glossary"):
            findings += glossary_checks.check_document(target, glossary)
        with clock("other checks"):
            findings += consistency_checks.check_document(target, options.selection)
            final = _final(findings, target, options, notes)
        return Report(
            target=target.path,
            source=None,
            signature=_signature(glossary, None),
            pairs=(),
            scores=(),
            findings=final,
            notes=tuple(notes),
            target_text=target.text,
        )

    with clock("read"):
        source_text = read_text(options.source)
        reference_text = read_text(options.reference) if options.reference else None
    with clock("parse"):
        source = parse_document(str(options.source), source_text)
        reference = parse_document(str(options.reference), reference_text) if reference_text is not None else None
    source_vectors = target_vectors = reference_vectors = None
    calibration = encoder = None
    if options.model is not None:
        from qa.drift import calibration_for

        if encoder_factory is None:
            from qa.embed import load_encoder as encoder_factory
        with clock("embed"):
            encoder = encoder_factory(options.model)
            source_vectors, target_vectors = _embed(encoder, source, target)
            if reference is not None:
                _, reference_vectors = _embed(encoder, source, reference)
        notes += windows.notes(d for d in (source, target, reference) if d is not None)
        calibration = calibration_for(options.model, options.drift_threshold)
        if not calibration.measured:
            notes.append(
                f"drift under {options.model!r} is not calibrated (bench/calibrate.py has not measured it): "
                "0 is this document's median pair, not a measured good translation"
            )
    else:
        notes.append("drift not scored (--no-drift): alignment used structure and length only")

    with clock("align"):
        alignment = align(source, target, source_vectors, target_vectors)
    with clock("other checks"):
        findings = language_checks.check_documents(source, target)
        findings += alignment_checks.check_alignment(alignment)
        unrelated = alignment_checks.is_unrelated(findings)
    with clock("glossary"):
        if unrelated:
            findings += glossary_checks.check_document(target, glossary)
        else:
            findings += glossary_checks.check_alignment(alignment, glossary)
    with clock("other checks"):
        if unrelated:
            notes.append(
                "the target does not look like a translation of the source: only checks that need no English ran"
            )
            findings += consistency_checks.check_document(target, options.selection)
        else:
            findings += consistency_checks.check_alignment(alignment, options.selection)
        scores, score_findings = _scores(alignment, source_vectors, target_vectors, calibration, unrelated, notes)
        findings += score_findings
        reference_score = None
        if reference is not None:
            from qa.reference import score_reference, with_reference_scores

            reference_alignment = align(source, reference, source_vectors, reference_vectors)
            per_pair, reference_score = score_reference(reference.path, alignment, reference_alignment)
            scores = with_reference_scores(scores, per_pair)
            if reference_score is None:
                notes.append(f"no aligned prose to compare with the reference {reference.path}")
        notes += getattr(encoder, "problems", [])
        final = _final(findings, target, options, notes)
    return Report(
        target=target.path,
        source=source.path,
        signature=_signature(glossary, options.model, calibration, with_text_checks=not unrelated),
        pairs=alignment.pairs,
        scores=scores,
        findings=final,
        notes=tuple(notes),
        reference=reference_score,
        target_text=target.text,
    )


def _scores(
    alignment: Alignment,
    source_vectors: np.ndarray | None,
    target_vectors: np.ndarray | None,
    calibration,
    unrelated: bool,
    notes: list[str],
) -> tuple[tuple[PairScore, ...], list[Finding]]:
    """Drift per pair (with vectors), the text signals, and the findings they raise."""
    findings: list[Finding] = []
    if not unrelated and source_vectors is not None and target_vectors is not None and calibration is not None:
        from qa.drift import score_pairs, too_few_scored

        scores = score_pairs(alignment.pairs, source_vectors, target_vectors, calibration)
        findings += drift_checks.check_scores(alignment, scores, calibration.threshold)
        if (note := too_few_scored(scores)) is not None:
            notes.append(note)
    else:
        scores = tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs)
    if not unrelated:
        scores = with_text_signals(scores, alignment.pairs)
        findings += length_checks.check_scores(alignment, scores)
        findings += untranslated_checks.check_scores(alignment, scores)
    return scores, findings


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
    from qa.drift import calibration_for, score_pairs

    source_vectors, target_vectors = _embed(encoder_factory(model), source, target)
    alignment = align(source, target, source_vectors, target_vectors)
    return alignment, score_pairs(alignment.pairs, source_vectors, target_vectors, calibration_for(model))


def _embed(encoder, source: Document, target: Document) -> tuple[np.ndarray, np.ndarray]:
    """One batch for both documents; blocks without prose get a zero vector, and a long
    block the pooled vector of its windows (qa/windows.py), so the encoder's memory stays bounded."""
    texts = [s.text for s in source.segments] + [s.text for s in target.segments]
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    encoded = windows.encode_blocks(encoder, [texts[i] for i in wanted])
    vectors = np.zeros((len(texts), encoded.shape[1] if len(wanted) else 1), dtype=np.float32)
    if wanted:
        vectors[wanted] = encoded
    return vectors[: len(source.segments)], vectors[len(source.segments) :]


def _signature(glossary: Glossary, model: str | None, calibration=None, *, with_text_checks: bool = False) -> Signature:
    thresholds: tuple[tuple[str, float], ...] = ()
    if calibration is not None:
        thresholds += (("drift_high", calibration.threshold),)
    if with_text_checks:
        thresholds += (
            ("length_omission_z", length_checks.OMISSION_Z),
            ("length_addition_z", length_checks.ADDITION_Z),
            ("untranslated_english_kept", untranslated_checks.KEPT_THRESHOLD),
        )
    return Signature(
        qa_version=__version__,
        glossaries=glossary.files,
        model=model,
        thresholds=thresholds,
        calibration=None if calibration is None else calibration.describe(),
    )


def _final(findings: list[Finding], target: Document, options: CheckOptions, notes: list[str]) -> tuple[Finding, ...]:
    """Selected rules, configured severities, minus what `qa-ignore` comments in the file suppress."""
    from qa.config import apply_severity
    from qa.suppress import apply_comments

    kept = apply_severity(options.severity, options.selection.filter(findings))
    kept, suppressed = apply_comments(kept, target)
    if suppressed:
        notes.append(f"{suppressed} finding(s) suppressed by qa-ignore comments in {target.path}")
    return _sorted(kept)


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.line, f.column, f.rule, f.text)))
