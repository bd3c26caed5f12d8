"""Stage timing for `python -m bench`: the pipeline's stages called one by one, each timed.

`check_stages` runs the same stage functions in the same order as `qa.pipeline.run_check`
(tests/test_bench_stages.py holds it to an identical JSON report), so the seconds it
attributes to read, parse, align, glossary, other checks, embed and report are the seconds
the product spends there. Embedding is timed the way a batch run does it: every distinct
block of every file at once (`qa.batchembed`), through the embedding cache.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from qa.align import align
from qa.batchembed import EmbeddedTexts, embed_documents, segment_texts
from qa.checks import alignment as alignment_checks
from qa.checks import consistency as consistency_checks
from qa.checks import drift as drift_checks
from qa.checks import glossary as glossary_checks
from qa.checks import language as language_checks
from qa.checks import length as length_checks
from qa.checks import untranslated as untranslated_checks
from qa.glossary import Glossary
from qa.io import read_text
from qa.markdown import parse_document
from qa.model import Document, Finding, PairScore, Report
from qa.pipeline import CheckOptions, _final, _signature, english_source_for
from qa.report import markdown as markdown_report
from qa.signals import with_text_signals

STAGES = ("read", "parse", "align", "glossary", "other checks", "embed", "report")


@dataclass
class StageClock:
    """Seconds spent per stage, summed over every file of a workload."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        if stage not in self.seconds:
            raise KeyError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


@dataclass(frozen=True)
class Workload:
    name: str
    options: tuple[CheckOptions, ...]


@dataclass(frozen=True)
class StageRun:
    """What `run_stages` measured for one workload."""

    seconds: dict[str, float]
    documents: int
    """Targets checked."""
    segments: int
    """Blocks parsed, targets and sources."""
    embedded_texts: tuple[str, ...]
    """The distinct block texts embedded: the floor embeds exactly these."""
    reports: tuple[Report, ...]


def workloads(repo: Path, shared: Path, model: str | None) -> list[Workload]:
    """examples/issue13, and when ../shared/corpus exists: its parallel pairs, its mt-zh files
    (no English: glossary-only, --no-drift as the target says) and all of it in one run."""
    found = [Workload("examples/issue13", (_options(repo / "examples" / "issue13.zh.md", model),))]
    corpus = shared / "corpus"
    if not corpus.is_dir():
        return found
    parallel = tuple(_options(p, model) for p in sorted((corpus / "parallel").rglob("*.zh.md")))
    mt = tuple(_options(p, None) for p in sorted((corpus / "mt-zh").rglob("*.zh.md")))
    everything = tuple(_options(p, model) for p in sorted(corpus.rglob("*.zh.md")))
    return [
        *found,
        Workload("corpus/parallel", parallel),
        Workload("corpus/mt-zh --no-drift", mt),
        Workload("corpus (all)", everything),
    ]


def _options(target: Path, model: str | None) -> CheckOptions:
    source = english_source_for(target)
    return CheckOptions(target=target, source=source if source and source.is_file() else None, model=model)


def read_and_parse(options: CheckOptions, clock: StageClock) -> tuple[Document, Document | None]:
    with clock("read"):
        target_text = read_text(options.target)
        source_text = read_text(options.source) if options.source is not None else None
    with clock("parse"):
        target = parse_document(str(options.target), target_text)
        source = parse_document(str(options.source), source_text) if source_text is not None else None
    return target, source


def embed_stage(encoder, documents: Sequence[Document], clock: StageClock) -> EmbeddedTexts:
    with clock("embed"):
        return embed_documents(encoder, documents)


def check_stages(
    options: CheckOptions,
    target: Document,
    source: Document | None,
    glossary: Glossary,
    vectors: EmbeddedTexts | None,
    clock: StageClock,
) -> Report:
    """`run_check` after parsing, stage by stage; vectors come from the batch embedding."""
    if options.reference is not None:
        raise ValueError("the stage benchmark does not time --reference")
    if source is None:
        with clock("other checks"):
            language = language_checks.check_documents(None, target)
        with clock("glossary"):
            terms = glossary_checks.check_document(target, glossary)
        with clock("other checks"):
            typography = consistency_checks.check_document(target, options.selection)
            notes = ["no English source: alignment, missing-block and drift checks were skipped"]
            findings = _final(language + terms + typography, target, options, notes)
            return Report(
                target=target.path,
                source=None,
                signature=_signature(glossary, None),
                pairs=(),
                scores=(),
                findings=findings,
                notes=tuple(notes),
                target_text=target.text,
            )
    if options.model is not None and vectors is None:
        raise ValueError(f"{options.target}: model {options.model!r} but no vectors were embedded")
    notes: list[str] = []
    source_vectors = target_vectors = calibration = None
    if options.model is not None and vectors is not None:  # (both or neither, checked above)
        from qa.drift import calibration_for

        with clock("embed"):  # the rows of this file, as the pipeline's _embed lays them out
            source_vectors, target_vectors = _document_vectors(vectors, source), _document_vectors(vectors, target)
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
        findings: list[Finding] = language_checks.check_documents(source, target)
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
        if not unrelated and source_vectors is not None and target_vectors is not None and calibration is not None:
            from qa.drift import score_pairs, too_few_pairs

            scores = score_pairs(alignment.pairs, source_vectors, target_vectors, calibration)
            findings += drift_checks.check_scores(alignment, scores, calibration.threshold)
            if (note := too_few_pairs(alignment.pairs)) is not None:
                notes.append(note)
        else:
            scores = tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs)
        if not unrelated:
            scores = with_text_signals(scores, alignment.pairs)
            findings += length_checks.check_scores(alignment, scores)
            findings += untranslated_checks.check_scores(alignment, scores)
        notes += list(vectors.problems) if vectors is not None and options.model is not None else []
        final = _final(findings, target, options, notes)  # selection, severities, qa-ignore comments
        return Report(
            target=target.path,
            source=source.path,
            signature=_signature(glossary, options.model, calibration, with_text_checks=not unrelated),
            pairs=alignment.pairs,
            scores=scores,
            findings=final,
            notes=tuple(notes),
            target_text=target.text,
        )


def _document_vectors(vectors: EmbeddedTexts, document: Document):
    import numpy as np

    rows = np.zeros((len(document.segments), vectors.dimension), dtype=np.float32)
    wanted = [i for i, s in enumerate(document.segments) if s.text.strip()]
    if wanted:
        rows[wanted] = vectors.rows([document.segments[i].text for i in wanted])
    return rows


def render_stage(report: Report, clock: StageClock) -> str:
    """The default `qa check` output, a Markdown review (rendered, not written)."""
    with clock("report"):
        return markdown_report.render(report)


def run_stages(workload: Workload, glossary: Glossary, encoder) -> StageRun:
    """Every stage for every file of the workload, serially, in this process."""
    clock = StageClock()
    parsed = [read_and_parse(options, clock) for options in workload.options]
    to_embed = [
        document
        for options, (target, source) in zip(workload.options, parsed, strict=True)
        if source is not None and options.model is not None
        for document in (source, target)
    ]
    vectors = embed_stage(encoder, to_embed, clock) if to_embed and encoder is not None else None
    reports = []
    for options, (target, source) in zip(workload.options, parsed, strict=True):
        report = check_stages(options, target, source, glossary, vectors, clock)
        render_stage(report, clock)
        reports.append(report)
    segments = sum(len(t.segments) + (len(s.segments) if s else 0) for t, s in parsed)
    return StageRun(
        seconds=dict(clock.seconds),
        documents=len(workload.options),
        segments=segments,
        embedded_texts=tuple(segment_texts(to_embed)),
        reports=tuple(reports),
    )


def pure_embedding(encoder, texts: Sequence[str], repeats: int = 2) -> float:
    """Best wall time of one `encode` call over all the texts: the floor of any run in one
    process that must embed them with this encoder (no cache, no parsing, nothing else)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        encoder.encode(list(texts))
        best = min(best, time.perf_counter() - start)
    return best


def pure_embedding_on(executor, model: str, texts: Sequence[str], parts: int, repeats: int = 2) -> float:
    """The same, split into `parts` equal chunks embedded at once by `executor`'s workers
    (one math thread each; started and warmed beforehand, so their start-up is not counted)."""
    chunks = [list(texts[i::parts]) for i in range(parts)]
    task = partial(embed_chunk, model)
    executor.map(task, [["warm up"]] * parts)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        executor.map(task, chunks)
        best = min(best, time.perf_counter() - start)
    return best


def embed_chunk(model: str, texts: list[str]) -> int:
    """Embed in a worker with its (inherited or loaded) model, uncached; return only a count,
    so shipping the vectors back is not timed as embedding."""
    from qa.embed import load_encoder

    return len(load_encoder(model, threads=1, cache=False).encode(texts))
