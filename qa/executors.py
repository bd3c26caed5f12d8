"""Where a batch of checks runs: in this process, on a local process pool, or on a Dask cluster.

An `Executor` maps one function over items and returns the results in the items' order.
The unit of work is one target file: `FileCheck` turns a `FileTask` (the file's
CheckOptions and, optionally, its block vectors embedded beforehand by `plan_tasks`) into
its Report. Only paths, settings and vectors travel to a worker; each worker process loads
the glossary (and, if it embeds, the encoder) once and keeps it in a module-level cache
keyed by the glossary files' paths and sha256, so a long-lived cluster worker picks up an
edited glossary and never serves a stale one. A worker refuses to run for a client of
another qa version, or relative paths from another working directory.

- `SerialExecutor` (default): no engine, no extra process.
- `ProcessExecutor`: a local pool, one process per core, each parsing, embedding and
  checking whole files. Forked after `FileCheck.warm()` loaded the glossary and encoder
  here, so the workers share them instead of loading their own (docs/performance.md).
- `DaskExecutor`: dask.distributed, on a scheduler address or, with None, a LocalCluster.

Why Dask rather than Ray: both install from PyPI here (`pip install --dry-run` resolves
ray 2.60.0), but `distributed` is a small pure-Python wheel whose Client.map/gather is
exactly this module's `map`, a LocalCluster starts fast enough for the tests to run on one,
and `dask scheduler`/`dask worker` are two commands on any machine with ssh, SLURM
(dask-jobqueue) or Kubernetes. Ray is a large compiled wheel (plus grpcio and
opentelemetry for its dashboard) that runs its own object store and raylet per node — a
lot of machinery for independent file-sized tasks (docs/cluster.md).

Lifetime: a pool's workers die with the qa process however it dies, SIGKILL included
(`_die_with_parent`), and a run left by an exception (an input error, SIGTERM, Ctrl-C) stops
its workers rather than waiting for them (`terminate`). A LocalCluster's workers need nothing
of this: distributed ends each when the pipe from its parent closes (a SIGKILL to
`qa check --executor dask` leaves none running). The workers of a scheduler elsewhere are
not qa's to end.

Errors: a file the pipeline cannot read raises QaInputError in the worker. That exception
does not survive pickling (its constructor takes three arguments; importing dask happens to
patch this, a plain process pool does not), and an engine would wrap it in its own
traceback, so workers return it as data and `map` raises the same QaInputError (or
ModelLoadError) here, for the first failing item in the order of `items`. Failures of the
engine itself (no scheduler at the address, a worker killed or of another version) raise
ExecutorError, one line for the CLI.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from qa.errors import ModelLoadError, QaInputError

if TYPE_CHECKING:
    from qa.batchembed import EmbeddedTexts
    from qa.glossary.load import Glossary
    from qa.model import Report
    from qa.pipeline import CheckOptions

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("auto", "serial", "process", "dask")
DASK_WORKERS = 2
DASK_MEMORY_LIMIT = "2GiB"
"""Per LocalCluster worker: room for the larger of the bundled encoders, multilingual-e5-small
(the memory each encoder needs per worker is in docs/cluster.md and docs/benchmarks.md)."""
CONNECT_TIMEOUT = "10s"
TERMINATE_TIMEOUT = 10.0
"""Seconds a stopped run waits for its killed workers to be reaped (milliseconds, normally)."""


class ExecutorError(Exception):
    """The engine failed (no scheduler at the address, a worker process died), not a file."""


class Executor(Protocol):
    name: str

    def map(
        self, function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None
    ) -> list[R]:
        """`function(item)` for every item, results in the items' order. `progress(i)` is
        called in this process as item i finishes (any order), e.g. to advance a progress bar."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...


class _Closing:
    def __enter__(self):
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        # Left by an exception (an input error, SIGTERM, Ctrl-C): nothing the workers are still
        # doing is wanted, so they are stopped rather than waited for.
        if kind is None:
            self.close()
        else:
            self.terminate()

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        """Stop now, dropping work in progress."""
        self.close()


class SerialExecutor(_Closing):
    """In this process, one item after the other: no engine, nothing to start."""

    name = "serial"

    def map(
        self, function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None
    ) -> list[R]:
        results = []
        for index, item in enumerate(items):
            results.append(function(item))
            if progress is not None:
                progress(index)
        return results


class ProcessExecutor(_Closing):
    """A local process pool; `initializer(*initargs)` runs once in each worker.

    `start_method="fork"` (default, Linux): workers are copies of this process, so a
    glossary and an encoder loaded here before the first `map` (`FileCheck.warm()`) are
    theirs at no cost and their memory is shared copy-on-write, where fork-server workers
    each load USE again before their first file (docs/performance.md, "Workers embed their
    own files").
    Fork copies a process safely only when no other thread of it holds a lock the workers
    need: workers here only compute and return data. Use "forkserver" when that is in
    doubt (Python 3.14's default): workers then start from a server that imported the
    pipeline once, and load the glossary and encoder themselves.
    """

    name = "process"

    def __init__(
        self,
        workers: int | None = None,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        start_method: str = "fork",
    ) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Takes effect when the fork server starts (first pool of this process).
            context.set_forkserver_preload(["qa.pipeline", "qa.executors"])
        self.workers = workers or os.cpu_count() or 1
        # A fork server keeps the environment of the moment it started: hand the workers
        # this process's current one (where the embedding cache is).
        environment = {name: os.environ.get(name) for name in _WORKER_ENVIRONMENT}
        # A forked worker's parent is this process; a fork server's child's is the server,
        # which it asks itself (`_die_with_parent`).
        parent = os.getpid() if start_method == "fork" else None
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(environment, parent, initializer, initargs),
        )
        # The pool forks its workers at the first task: make that now, while this process
        # has no other thread (a progress bar's refresh thread starts next) whose locks a
        # forked copy could inherit held.
        self._pool.submit(int).result()
        # Kept to wait on in `join()`: the pool forgets it once shut down. This thread reaps
        # the workers; a second thread waiting on them could see one reaped but not yet marked.
        self._manager = self._pool._executor_manager_thread

    def map(
        self, function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None
    ) -> list[R]:
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        try:
            futures = [self._pool.submit(_guarded, function, item) for item in items]
            if progress is not None:
                index = {future: i for i, future in enumerate(futures)}
                for future in as_completed(futures):
                    progress(index[future])
            outcomes = [future.result() for future in futures]
        except BrokenProcessPool as error:
            raise ExecutorError(f"a worker process died ({error}); out of memory?") from None
        return _unwrap(outcomes)

    def close(self) -> None:
        """Tell the workers to exit and return without waiting for them: from the request to its
        exit a worker shuts itself down and the kernel frees its memory (docs/performance.md has
        the time), which a run spends rendering and writing its reports instead.
        The pool's manager thread reaps them, and the interpreter waits for it before this
        process exits."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def terminate(self) -> None:
        """Stop every worker now (SIGTERM, which `_start_worker` left at its default: exit),
        dropping the files they are checking, and wait until the pool's manager thread has
        reaped them. Python 3.11's pool does not survive this by itself, measured under load:
        - a worker killed while it sends its report leaves half a message in the result pipe,
          and the manager thread waits for the rest for good, since this process holds that
          pipe's write end too; the interpreter then waits for the manager at exit: a hang
          (1 run in 45). Once the workers are gone, that end is closed here: EOF, the manager
          counts the pool broken and ends;
        - the interpreter's exit hook wakes the manager through a pipe the manager may be
          closing just then: an ignored EBADF traceback after the run's one error line (2 runs
          in 20). Waiting for the manager here leaves nothing to wake."""
        from multiprocessing.connection import wait

        processes = list((self._pool._processes or {}).values())
        results = self._pool._result_queue
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        wait([process.sentinel for process in processes], timeout=TERMINATE_TIMEOUT)
        if results is not None:
            results._writer.close()
        if self._manager is not None:
            self._manager.join(timeout=TERMINATE_TIMEOUT)

    def join(self) -> None:
        """Close, and wait until every worker has exited (a benchmark does, so that exiting
        workers do not share the CPU with its next timed run)."""
        self.close()
        if self._manager is not None:
            self._manager.join()


class DaskExecutor(_Closing):
    """dask.distributed: the scheduler at `scheduler` ("tcp://host:8786"), or with None a
    LocalCluster of `workers` processes with one thread each (one file at a time per
    process, so model threads and processes do not fight over cores).

    Workers read the target, source and glossary files by the paths given, so on a real
    cluster they must see the same files at the same paths (a shared filesystem) and run in
    the directory relative paths are relative to — or the paths must be absolute.
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        workers: int = DASK_WORKERS,
        memory_limit: str = DASK_MEMORY_LIMIT,
        connect_timeout: str = CONNECT_TIMEOUT,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("--executor dask needs dask.distributed: pip install 'qa[dask]'") from None
        self.scheduler = scheduler
        self._cluster = None
        if scheduler is None:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=memory_limit,
                # A free port for the scheduler's HTTP routes: the default 8787 collides with
                # another cluster on the machine (and warns); None does not stop it binding.
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError, ValueError) as error:
                raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None

    def map(
        self, function: Callable[[T], R], items: Sequence[T], progress: Callable[[int], None] | None = None
    ) -> list[R]:
        from concurrent.futures import CancelledError  # what distributed raises for a lost future

        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        if not items:
            return []
        # pure=False: no hashing of every task's arguments, and two equal items still run.
        futures = self._client.map(partial(_guarded, function), list(items), pure=False)
        try:
            if progress is not None:
                index = {future.key: i for i, future in enumerate(futures)}
                for future in as_completed(futures):
                    progress(index[future.key])
            outcomes = self._client.gather(futures)
        except (KilledWorker, CancelledError) as error:
            raise ExecutorError(f"the Dask cluster lost a task: {error}") from None
        finally:
            self._client.cancel(futures)
        return _unwrap(outcomes)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    kind: str = "auto",
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    check: FileCheck | None = None,
    files: int | None = None,
) -> Executor:
    """The executor for `--executor KIND [--scheduler ADDRESS]`.

    "auto" (the default) is a process pool when there are several `files` and several
    cores, and this process otherwise: one file gains nothing from a pool.
    For a process pool, `check.warm()` runs here first: the glossary and the encoder are
    loaded once, in this process, and the forked workers inherit them (ModelLoadError is
    raised here, before any file is checked). Dask workers load theirs on their first file.
    """
    if scheduler is not None and kind != "dask":
        raise ExecutorError(f"--scheduler needs --executor dask, not {kind}")
    cores = os.cpu_count() or 1
    if kind == "auto":
        kind = "process" if (files or 0) > 1 and cores > 1 else "serial"
        workers = workers or min(cores, files or 1)
    if kind == "serial":
        return SerialExecutor()
    if kind == "process":
        if check is not None:
            check.warm()
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, workers=workers or DASK_WORKERS)
    raise ExecutorError(f"unknown executor {kind!r} (expected one of: {', '.join(EXECUTORS)})")


# -- the unit of work -------------------------------------------------------------------


@dataclass(frozen=True)
class FileTask:
    options: CheckOptions
    vectors: EmbeddedTexts | None = None
    """This file's block vectors, embedded beforehand with every other file's (`plan_tasks`);
    None: the worker embeds them itself, through its own embedding cache."""


@dataclass(frozen=True)
class FileCheck:
    """One target file -> its Report, in whichever process runs it. Picklable: paths and settings only."""

    glossary_files: tuple[tuple[str, str], ...]
    """`Glossary.files`: (path, "sha256:…") of each CSV, the key of the worker's cache."""
    threads: int = 1
    """Math threads for an encoder the worker loads. One: each worker process already has a
    core, and a second BLAS thread per USE call competes with the other worker for it: much
    slower on a busy machine (docs/performance.md, "One math thread per process")."""
    preload_model: str | None = None
    """Load this encoder in `warm()`; None when the tasks carry their vectors, run --no-drift,
    or find their blocks in the embedding cache (`model_needed`): the model is then loaded
    by the first task that misses the cache, in its own process."""
    qa_version: str | None = None
    """The client's qa version: a worker with another one refuses to run (its reports would
    differ from a local run's without saying why)."""
    directory: str | None = None
    """The client's working directory: relative paths mean files there, so a worker running
    elsewhere refuses them rather than read another file of the same name, or none."""

    @classmethod
    def for_glossary(cls, glossary: Glossary, **settings: Any) -> FileCheck:
        """The check for a glossary already loaded here, from this working directory; this
        process's cache reuses the glossary."""
        from qa import __version__

        check = cls(glossary.files, **{"directory": os.getcwd(), "qa_version": __version__, **settings})
        _remember(glossary.files, glossary)
        return check

    def __call__(self, task: FileTask) -> Report:
        from qa.pipeline import run_check

        self._check_version()
        self._check_directory(task.options)
        return run_check(task.options, worker_glossary(self.glossary_files), self._encoder_factory(task))

    def _check_version(self) -> None:
        from qa import __version__

        if self.qa_version is not None and self.qa_version != __version__:
            raise ExecutorError(
                f"a worker runs qa {__version__}, this run qa {self.qa_version}: install the same version everywhere"
            )

    def _check_directory(self, options: CheckOptions) -> None:
        if self.directory is None or os.getcwd() == self.directory:
            return
        from pathlib import Path

        from qa.glossary.load import is_bundled

        glossaries = (Path(p) for p, _ in self.glossary_files if not is_bundled(p))  # bundled: in the package
        paths = [options.target, options.source, options.reference, *glossaries]
        relative = next((p for p in paths if p is not None and not p.is_absolute()), None)
        if relative is not None:
            raise QaInputError(
                str(relative),
                f"is a relative path, but this worker runs in {os.getcwd()}, not {self.directory}: "
                "give absolute paths, or start the workers in the same folder on a shared filesystem",
            )

    def warm(self) -> None:
        """Load what every task needs before the first one (a process pool's initializer)."""
        from qa.pipeline import preload

        preload()
        worker_glossary(self.glossary_files).prepare()
        if self.preload_model is not None:
            from qa.embed.encoders import load_encoder

            load_encoder(self.preload_model, threads=self.threads)
        # What is loaded now lives as long as the process (the encoder's vocabulary alone is
        # hundreds of thousands of objects): keep the cyclic collector from walking it again
        # each time parsing a file's tokens triggers a full collection, and forked workers
        # from touching, so copying, its pages.
        gc.freeze()

    def _encoder_factory(self, task: FileTask) -> Callable[[str], object]:
        from qa.embed.encoders import load_encoder

        def load(model: str):
            # Lazy: loaded by `warm()` already, or here at the first block the cache lacks.
            return load_encoder(model, threads=self.threads, lazy=True)

        if task.vectors is None:
            return load
        from qa.batchembed import MemoryEncoder

        vectors = task.vectors
        return lambda model: MemoryEncoder(model, vectors, fallback=lambda: load(model))


def plan_tasks(options: Sequence[CheckOptions], encoder: object | None = None) -> list[FileTask]:
    """One task per target, in order. With `encoder` (loaded here once, e.g. `qa.embed.encoders.load_encoder(model)`),
    every file with a source is read and parsed here and all their blocks are embedded in one
    pass — distinct texts once, cached ones looked up together, the rest in large batches —
    and each task carries its own rows, so workers need no model. Without it, workers embed.

    A file that cannot be read raises its QaInputError here, before any work is sent out."""
    if encoder is None:
        return [FileTask(o) for o in options]
    from qa.batchembed import documents_to_embed, embed_documents, segment_texts

    name = getattr(encoder, "name", None)
    wrong = next((o.model for o in options if o.model is not None and o.model != name), None)
    if wrong is not None:
        raise ValueError(f"tasks for model {wrong!r} but the encoder is {name!r}")
    documents = [documents_to_embed(o) for o in options]
    vectors = embed_documents(encoder, (d for docs in documents for d in docs))
    return [
        FileTask(o, vectors.subset(segment_texts(docs)) if docs else None)
        for o, docs in zip(options, documents, strict=True)
    ]


def check_files(
    options: Sequence[CheckOptions],
    check: FileCheck,
    executor: Executor,
    encoder: object | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Report]:
    """Every target's Report, in the order of `options`: the batch runner's one call.

    Files go out largest first (bytes of target and source), so the longest checks do not
    start last and leave the other cores idle at the end; `progress(i)` names the index in
    `options`.

    Without `encoder` (the fastest here, and --no-drift), workers embed what they need,
    through their embedding cache. With `encoder`, this process embeds every file's blocks
    in one pass first (`plan_tasks`) — for workers that cannot hold a model — while the
    files that need no vectors (no English source) already run on the executor.

    A file that cannot be read raises its QaInputError; when several cannot, the one raised
    is the first in the order the files were sent, the same on every executor.
    """
    sizes = [_size(o) for o in options]
    order = sorted(range(len(options)), key=lambda i: -sizes[i])
    if encoder is None or executor.name == "serial":
        tasks = dict(zip(order, plan_tasks([options[i] for i in order], encoder), strict=True))
        groups = _groups(order, options, sizes)
        work = [[tasks[i] for i in group] for group in groups]
        results = executor.map(partial(_check_group, check), work, _progress_of(progress, groups))
        return _restore(len(options), [([i for group in groups for i in group], [r for rs in results for r in rs])])
    ready = [i for i in order if options[i].source is None or options[i].model is None]
    waiting = [i for i in order if options[i].source is not None and options[i].model is not None]
    from concurrent.futures import ThreadPoolExecutor

    # This thread only waits on the engine; the checks run in the executor's processes.
    with ThreadPoolExecutor(max_workers=1) as background:
        tasks = [FileTask(options[i]) for i in ready]
        first = background.submit(executor.map, check, tasks, _progress(progress, ready))
        try:
            planned = plan_tasks([options[i] for i in waiting], encoder)
            later = executor.map(check, planned, _progress(progress, waiting))
        finally:
            early = first.result()
    return _restore(len(options), [(ready, early), (waiting, later)])


def model_needed(options: Sequence[CheckOptions]) -> bool:
    """Whether the first file `check_files` sends out that embeds (the largest with a source
    and a model) needs the model: a block text its embedding cache lacks, or a model whose
    vector size only loading tells (not bundled, nothing cached for it). A file that cannot be
    read says yes: the run itself reports it, in order."""
    from qa.batchembed import documents_to_embed, segment_texts
    from qa.embed.cache import missing_texts
    from qa.embed.encoders import known_identity

    embedding = [o for o in options if o.source is not None and o.model is not None]
    if not embedding:
        return False
    first = max(embedding, key=_size)  # max keeps the first of equals, as the stable sort does
    assert first.model is not None
    identity = known_identity(first.model)  # nothing loaded: its cache key and vector size
    if identity is None:
        return True
    try:
        texts = segment_texts(documents_to_embed(first))
    except QaInputError:
        return True
    return bool(missing_texts(*identity, texts))


def _groups(order: list[int], options: Sequence[CheckOptions], sizes: list[int]) -> list[list[int]]:
    """`order` cut into the groups sent out as one task each: a file with an English source
    alone (embedding makes it a large task), consecutive files without one together, up to the
    size of the largest of those. Handing a task to a worker process and its report back costs
    as much as checking a small file (docs/performance.md); groups no bigger than one such
    file keep the end of a run as finely divided, so the workers still finish together."""
    embeds = [options[i].source is not None and options[i].model is not None for i in range(len(options))]
    limit = max((sizes[i] for i in order if not embeds[i]), default=0)
    groups: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if embeds[i] or (current and sum(sizes[j] for j in current) + sizes[i] > limit):
            groups += [current] if current else []
            current = []
        if embeds[i]:
            groups.append([i])
        else:
            current.append(i)
    return groups + ([current] if current else [])


def _check_group(check: FileCheck, tasks: list[FileTask]) -> list[Report]:
    return [check(task) for task in tasks]


def _progress_of(progress: Callable[[int], None] | None, groups: list[list[int]]) -> Callable[[int], None] | None:
    """Told that group `g` is done: each of its files, by its index in `options`."""
    if progress is None:
        return None

    def tell(g: int) -> None:
        for i in groups[g]:
            progress(i)

    return tell


def _size(options: CheckOptions) -> int:
    try:
        return sum(path.stat().st_size for path in (options.target, options.source) if path is not None)
    except OSError:
        return 0  # reading it will say what is wrong, in order


def _progress(progress: Callable[[int], None] | None, indexes: list[int]) -> Callable[[int], None] | None:
    return None if progress is None else lambda i: progress(indexes[i])


def _restore(count: int, parts: list[tuple[list[int], list[Any]]]) -> list[Any]:
    results: list[Any] = [None] * count
    for indexes, values in parts:
        for i, value in zip(indexes, values, strict=True):
            results[i] = value
    return results


# -- worker-side state and error transport ------------------------------------------------

_GLOSSARIES: OrderedDict[tuple[tuple[str, str], ...], Glossary] = OrderedDict()
_KEEP_GLOSSARIES = 4
"""A long-lived cluster worker serves runs with edited glossaries; keep only the recent ones."""


def worker_glossary(files: tuple[tuple[str, str], ...]) -> Glossary:
    """The glossary these files make, loaded once per process; a file whose content differs
    from what the client loaded (another sha256 on this machine) is an input error."""
    if files in _GLOSSARIES:
        _GLOSSARIES.move_to_end(files)
        return _GLOSSARIES[files]
    from pathlib import Path

    from qa.glossary.load import is_bundled, load_glossaries

    # A bundled glossary is named `bundled:NAME`, which only a string says (not a Path).
    glossary = load_glossaries([path if is_bundled(path) else Path(path) for path, _ in files])
    for (path, wanted), (_, found) in zip(files, glossary.files, strict=True):
        if found != wanted:
            raise QaInputError(
                path,
                f"differs on this worker ({found}, the run loaded {wanted}): workers must see the same glossary files",
            )
    _remember(files, glossary)
    return glossary


def _remember(files: tuple[tuple[str, str], ...], glossary: Glossary) -> None:
    _GLOSSARIES[files] = glossary
    _GLOSSARIES.move_to_end(files)
    while len(_GLOSSARIES) > _KEEP_GLOSSARIES:
        _GLOSSARIES.popitem(last=False)


_WORKER_ENVIRONMENT = ("QA_CACHE_DIR",)


def _start_worker(
    environment: dict[str, str | None],
    parent: int | None,
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
) -> None:
    _die_with_parent(parent)
    # Inherited from a forked `qa`: its SIGTERM handler would raise qa's exception in here. A
    # worker is stopped by its parent: SIGTERM ends it, and Ctrl-C, which the terminal sends to
    # the whole process group, is the parent's to handle (each worker would print a traceback).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name, value in environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _one_math_thread()
    if initializer is not None:
        initializer(*initargs)


PARENT_POLL_SECONDS = 0.5
"""Where no parent-death signal exists, how often a worker looks whether its parent is gone."""
ORPHANED_EXIT = 128 + signal.SIGKILL
"""A worker that finds its parent gone exits as the parent-death signal would have ended it."""
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int | None) -> None:
    """End this worker when the process that started it dies, however it dies.

    A killed `qa` (SIGKILL, or an OOM kill) runs no cleanup, and its workers wait on the task
    queue for good: they hold its stdout and stderr open, so a CI step reading them hangs, and
    the embedding cache. On Linux the kernel sends SIGKILL at the parent's death (prctl
    PR_SET_PDEATHSIG); elsewhere a thread polls the parent pid. The parent may have died
    before this ran, when no signal would come: then the parent pid has already changed.

    `parent`: the pid expected (the qa process, for a forked worker); None for a fork server's
    child, whose parent is the server, which exits when qa's end of its pipe closes.
    """
    parent = parent or os.getppid()
    if not _parent_death_signal(signal.SIGKILL):
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), name="qa-parent-watch", daemon=True).start()
    if os.getppid() != parent:
        os._exit(ORPHANED_EXIT)


def _parent_death_signal(signum: int) -> bool:
    """Have the kernel send `signum` when the parent dies (Linux); False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(ORPHANED_EXIT)


def _one_math_thread() -> None:
    """Each pool worker has a core: numpy's BLAS must not start a second thread per worker.
    With two, every small matrix product of the alignment and drift scores woke a thread that
    then spun on the core the other worker needed (`python -m bench` times the "other checks"
    stage it slowed; docs/performance.md)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def one_blas_thread_pool() -> None:
    """Have OpenBLAS (numpy's BLAS) size its thread pool for one thread, as qa runs all its
    math on one thread per process (`FileCheck.threads`, `_one_math_thread`). Effective only
    before numpy is first imported: OpenBLAS reads OPENBLAS_NUM_THREADS when it loads.

    Why: by default the pool holds a thread per core, and a forked worker re-creates it at
    its first change of thread count (the limit above, and USE's own limit at every encode
    call). A new pool thread spins a while before it sleeps, on the core the other worker
    needs: a pool of two then spent more CPU than one process on the same work, and a pool
    started for a run embedded the corpus slower than one that had already run (the "fork
    penalty" in docs/performance.md, "One math thread per process"). A value the user set is
    kept, and a later request for more threads (threads=2) still grows the pool."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@dataclass(frozen=True)
class _Failed:
    """An expected error, carried back as data (QaInputError itself does not unpickle)."""

    kind: str
    message: str
    path: str | None = None
    line: int | None = None

    def exception(self) -> Exception:
        if self.kind == "input":
            return QaInputError(self.path or "", self.message, self.line)
        if self.kind == "executor":
            return ExecutorError(self.message)
        return ModelLoadError(self.message)


def _guarded(function: Callable[[T], R], item: T) -> R | _Failed:
    try:
        return function(item)
    except QaInputError as error:
        return _Failed("input", error.message, error.path, error.line)
    except ModelLoadError as error:
        return _Failed("model", str(error))
    except ExecutorError as error:
        return _Failed("executor", str(error))


def _unwrap(outcomes: Sequence[Any]) -> list[Any]:
    failed = next((o for o in outcomes if isinstance(o, _Failed)), None)
    if failed is not None:
        raise failed.exception()
    return list(outcomes)
