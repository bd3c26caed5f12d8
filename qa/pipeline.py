"""The stages in order for one target file: read -> parse -> align -> check -> score -> Report.

The CLI builds CheckOptions and renders the Report; everything between happens here, so a
test or another program can run a check without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qa import __version__
from qa.align.pairs import align
from qa.embed import windows
from qa.gcpause import collector_paused
from qa.glossary.load import Glossary
from qa.model import Alignment, Document, Finding, PairScore, Report, Signature
from qa.read.io import read_text
from qa.read.markdown import parse_document
from qa.rules import checks_at
from qa.rules import length as length_checks
from qa.rules import untranslated as untranslated_checks
from qa.rules.alignment import UNRELATED_DOCUMENTS
from qa.rules.rule import CheckInput, Scope
from qa.rules.selection import RuleSelection
from qa.rules.verdict import decide
from qa.score.signals import with_text_signals

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
    """None: the model's measured threshold (qa/score/drift.py CALIBRATIONS)."""
    reference: Path | None = None
    """A human reference translation: chrF and BLEU per pair and for the document."""
    selection: RuleSelection = field(default_factory=RuleSelection)
    """Which rules report (`--select` / `--ignore`); every rule by default."""
    severity: tuple[tuple[str, str], ...] = ()
    """Per-rule severity overrides from the config file ("off" drops a rule's findings)."""
    target_text: str | None = None
    """The Chinese to check in place of the file's text (`qa fix` checking its own result)."""


def preload() -> None:
    """Load now what the checks otherwise load on first use: cn2an's rule tables, AutoCorrect's
    rules, and the modules `_final` imports. A process that forks workers calls this once
    before forking, so no worker pays for it; nothing here imports torch or an encoder."""
    from qa.read import numbers
    from qa.rules import typography

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
        target_text = options.target_text if options.target_text is not None else read_text(options.target)
    with clock("parse"):
        target = parse_document(str(options.target), target_text)
    notes: list[str] = []
    if options.source is None:
        notes.append("no English source: alignment, missing-block and drift checks were skipped")
        given = CheckInput(target=target, glossary=glossary)
        findings = _run_scope(Scope.DOCUMENT, given, options.selection, clock)
        findings += _run_scope(Scope.PAIR, given, options.selection, clock)
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
        from qa.score.drift import calibration_for

        if encoder_factory is None:
            from qa.embed.encoders import load_encoder as encoder_factory
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
    given = CheckInput(target=target, source=source, alignment=alignment, glossary=glossary)
    findings = _run_scope(Scope.DOCUMENT, given, options.selection, clock)
    unrelated = any(f.rule == UNRELATED_DOCUMENTS.id for f in findings)
    if unrelated:
        notes.append("the target does not look like a translation of the source: only checks that need no English ran")
        findings += _run_scope(Scope.PAIR, replace(given, alignment=None), options.selection, clock)
    else:
        findings += _run_scope(Scope.PAIR, given, options.selection, clock)
    with clock("other checks"):
        scores = _scores(alignment, source_vectors, target_vectors, calibration, unrelated, notes)
    if not unrelated:
        threshold = calibration.threshold if calibration is not None and source_vectors is not None else None
        findings += _run_scope(
            Scope.SCORES, replace(given, scores=scores, drift_threshold=threshold), options.selection, clock
        )
    with clock("other checks"):
        reference_score = None
        if reference is not None:
            from qa.score.reference import score_reference, with_reference_scores

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


def _run_scope(scope: Scope, given: CheckInput, selection: RuleSelection, clock: Clock) -> list[Finding]:
    """The findings of every check at `scope`. A check none of whose rules is selected does
    not run, except at DOCUMENT scope: those checks decide whether the others can run."""
    findings: list[Finding] = []
    for check in checks_at(scope):
        if scope is not Scope.DOCUMENT and not selection.allows_any(rule.id for rule in check.rules):
            continue
        if check.needs_english and given.alignment is None and scope is not Scope.DOCUMENT:
            continue
        with clock("glossary" if check.family == "glossary" else "other checks"):
            findings += check.run(given)
    return findings


def _scores(
    alignment: Alignment,
    source_vectors: np.ndarray | None,
    target_vectors: np.ndarray | None,
    calibration,
    unrelated: bool,
    notes: list[str],
) -> tuple[PairScore, ...]:
    """Drift per pair (with vectors) and the text signals."""
    if not unrelated and source_vectors is not None and target_vectors is not None and calibration is not None:
        from qa.score.drift import score_pairs, too_few_scored

        scores = score_pairs(alignment.pairs, source_vectors, target_vectors, calibration)
        if (note := too_few_scored(scores)) is not None:
            notes.append(note)
    else:
        scores = tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs)
    if not unrelated:
        scores = with_text_signals(scores, alignment.pairs)
    return scores


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
        from qa.embed.encoders import load_encoder as encoder_factory
    from qa.score.drift import calibration_for, score_pairs

    source_vectors, target_vectors = _embed(encoder_factory(model), source, target)
    alignment = align(source, target, source_vectors, target_vectors)
    return alignment, score_pairs(alignment.pairs, source_vectors, target_vectors, calibration_for(model))


def _embed(encoder, source: Document, target: Document) -> tuple[np.ndarray, np.ndarray]:
    """One batch for both documents; blocks without prose get a zero vector, and a long
    block the pooled vector of its windows (qa/embed/windows.py), so the encoder's memory stays bounded."""
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
    verdict = decide(findings, target, options.selection, options.severity)
    if verdict.suppressed:
        notes.append(f"{verdict.suppressed} finding(s) suppressed by qa-ignore comments in {target.path}")
    return verdict.findings
