"""Stage timing for `python -m bench`: `qa.pipeline.run_check` itself, timed stage by stage.

`run_check` takes a clock that wraps each of its stages (read, parse, embed, align,
glossary, other checks), so the seconds attributed here are the seconds the product spends
there, with no copy of the pipeline to drift out of step. Embedding is timed the way a batch
run does it: every distinct block of every file at once (`qa.batchembed`), through the
embedding cache; run_check then looks the vectors up.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from qa.batchembed import EmbeddedTexts, MemoryEncoder, embed_documents, segment_texts
from qa.glossary.load import Glossary
from qa.model import Document, Report
from qa.pipeline import CheckOptions, english_source_for, run_check
from qa.read.io import read_text
from qa.read.markdown import parse_document
from qa.report import markdown as markdown_report

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


def _read_and_parse(options: CheckOptions) -> tuple[Document, Document | None]:
    """The documents whose blocks the batch embedding needs (run_check parses them again,
    timed, as each file is checked)."""
    target = parse_document(str(options.target), read_text(options.target))
    source = parse_document(str(options.source), read_text(options.source)) if options.source is not None else None
    return target, source


def embed_stage(encoder, documents: Sequence[Document], clock: StageClock) -> EmbeddedTexts:
    with clock("embed"):
        return embed_documents(encoder, documents)


def check_stages(
    options: CheckOptions,
    glossary: Glossary,
    vectors: EmbeddedTexts | None,
    clock: StageClock,
) -> Report:
    """`qa.pipeline.run_check` itself, timed by stage through its clock hook; the vectors
    come from the batch embedding, so its "embed" stage only looks them up."""
    if options.reference is not None:
        raise ValueError("the stage benchmark does not time --reference")
    if options.model is not None and options.source is not None and vectors is None:
        raise ValueError(f"{options.target}: model {options.model!r} but no vectors were embedded")

    def served(model: str) -> MemoryEncoder:
        assert vectors is not None  # run_check asks for an encoder only when there is a model
        return MemoryEncoder(model, vectors)

    return run_check(options, glossary, encoder_factory=served, clock=clock)


def render_stage(report: Report, clock: StageClock) -> str:
    """The default `qa check` output, a Markdown review (rendered, not written)."""
    with clock("report"):
        return markdown_report.render(report)


def run_stages(workload: Workload, glossary: Glossary, encoder) -> StageRun:
    """Every stage for every file of the workload, serially, in this process: the files are
    parsed once for the batch embedding (as `qa check` does before a run), then checked."""
    clock = StageClock()
    parsed = [_read_and_parse(options) for options in workload.options]
    to_embed = [
        document
        for options, (target, source) in zip(workload.options, parsed, strict=True)
        if source is not None and options.model is not None
        for document in (source, target)
    ]
    vectors = embed_stage(encoder, to_embed, clock) if to_embed and encoder is not None else None
    reports = []
    for options in workload.options:
        report = check_stages(options, glossary, vectors, clock)
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


def pure_embedding_fresh(model: str, texts: Sequence[str], parts: int, repeats: int = 2) -> float:
    """The same split, on a pool started for the run and used once, as a cold batch run uses
    its own: the pool's start is timed, and so is what a new worker pays once and a warm pool
    (`pure_embedding_on`) paid in its warm-up: its first writes to pages it shares with this
    process (copy-on-write faults), and anything a library starts in a new process. (OpenBLAS
    re-created its thread pool in each worker, a thread that spun 0.1 CPU-s, until qa sized
    that pool for one thread: this floor was then 1.18-1.24 s on the corpus against the warm
    pool's 1.09-1.18; now the two are within a few %.)"""
    from qa.executors import ProcessExecutor

    chunks = [list(texts[i::parts]) for i in range(parts)]
    task = partial(embed_chunk, model)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        pool = ProcessExecutor(parts)
        try:
            pool.map(task, chunks)
            best = min(best, time.perf_counter() - start)
        finally:
            pool.join()
    return best


def embed_chunk(model: str, texts: list[str]) -> int:
    """Embed in a worker with its (inherited or loaded) model, uncached; return only a count,
    so shipping the vectors back is not timed as embedding."""
    from qa.embed.encoders import load_encoder

    return len(load_encoder(model, threads=1, cache=False).encode(texts))
