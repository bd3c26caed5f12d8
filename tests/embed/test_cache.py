import os
import sqlite3
import threading

import numpy as np
import pytest

from qa.embed import cache
from qa.embed.cache import EMBEDDINGS_FILE, CachedEncoder, EmbeddingStore, text_key
from tests.conftest import HashEncoder


class CountingEncoder(HashEncoder):
    """Deterministic unit vectors from a text's hash; remembers what it was asked to embed."""

    name = "counting"

    def __init__(self, dimension: int = 4) -> None:
        super().__init__(dimension)


def cached(tmp_path, encoder=None, key="counting/v1"):
    encoder = encoder or CountingEncoder()
    return CachedEncoder(encoder, EmbeddingStore(tmp_path / EMBEDDINGS_FILE), key), encoder


def test_cache_dir_respects_qa_cache_dir_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "own"))
    assert cache.cache_dir() == tmp_path / "own"
    monkeypatch.delenv("QA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "qa"


def test_second_run_embeds_only_the_changed_paragraphs(tmp_path):
    first, encoder = cached(tmp_path)
    original = ["Paragraph one.", "Paragraph two.", "段落三。"]
    vectors = first.encode(original)
    assert encoder.calls == [original]

    edited = ["Paragraph one.", "Paragraph two, edited.", "段落三。"]
    second, encoder = cached(tmp_path)  # a new process: a new store on the same file
    again = second.encode(edited)
    assert encoder.calls == [["Paragraph two, edited."]]
    assert second.embedded == 1
    # Cached vectors are the stored float32 bytes: the same numbers as a fresh encoding.
    assert np.array_equal(again[0], vectors[0]) and np.array_equal(again[2], vectors[2])
    assert np.array_equal(again[1], CountingEncoder().encode(["Paragraph two, edited."])[0])


def test_vectors_are_kept_per_model(tmp_path):
    one, _ = cached(tmp_path, key="model-a")
    one.encode(["Same text."])
    other, encoder = cached(tmp_path, key="model-b")
    other.encode(["Same text."])
    assert encoder.calls == [["Same text."]]


def test_duplicate_texts_are_embedded_once(tmp_path):
    encoder_cache, encoder = cached(tmp_path)
    vectors = encoder_cache.encode(["Twice.", "Twice.", "Once."])
    assert encoder.calls == [["Twice.", "Once."]]
    assert np.array_equal(vectors[0], vectors[1])


def test_a_corrupted_cache_file_is_moved_aside_and_the_run_goes_on(tmp_path):
    (tmp_path / EMBEDDINGS_FILE).write_bytes(b"this is not a database" * 100)
    encoder_cache, encoder = cached(tmp_path)
    vectors = encoder_cache.encode(["A paragraph.", "另一个段落。"])
    assert vectors.shape == (2, 4) and len(encoder.calls) == 1
    assert len(encoder_cache.problems) == 1 and "damaged" in encoder_cache.problems[0]
    assert list(tmp_path.glob(EMBEDDINGS_FILE + ".corrupt-*"))
    # The next run starts a fresh cache and uses it.
    fresh, encoder = cached(tmp_path)
    fresh.encode(["A paragraph."])
    again, encoder = cached(tmp_path)
    again.encode(["A paragraph."])
    assert encoder.calls == [] and again.problems == []


def test_asking_what_the_cache_lacks_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    assert cache.missing_texts("counting/v1", 4, ["A.", "B.", "A."]) == ["A.", "B."]
    assert not list(tmp_path.iterdir())  # no cache created by looking
    encoder_cache, _ = cached(tmp_path)
    encoder_cache.encode(["A."])
    assert cache.missing_texts("counting/v1", 4, ["B.", "A."]) == ["B."]
    assert cache.missing_texts("counting/v2", 4, ["A."]) == ["A."]
    assert cache.missing_texts("counting/v1", 8, ["A."]) == ["A."]  # another dimension: not this model's
    damaged = b"this is not a database" * 100
    (tmp_path / EMBEDDINGS_FILE).write_bytes(damaged)
    assert cache.missing_texts("counting/v1", 4, ["A."]) == ["A."]
    # Left as it was, for the run that follows to report and move aside.
    assert (tmp_path / EMBEDDINGS_FILE).read_bytes() == damaged
    assert not list(tmp_path.glob(EMBEDDINGS_FILE + ".corrupt-*"))


def test_one_writable_connection_per_process_and_thread_serves_store_after_store(tmp_path):
    first, _ = cached(tmp_path)
    first.encode(["A."])
    first.store.close()  # a file's check is done; the connection stays for the next one
    second, encoder = cached(tmp_path)
    assert np.array_equal(second.encode(["A."]), first.encode(["A."])) and encoder.calls == []
    assert second.store._connection is first.store._connect()
    # A Dask worker runs tasks on threads: each thread gets its own connection, which works.
    other: list[CachedEncoder] = []
    worker = threading.Thread(target=lambda: other.append(cached(tmp_path)[0]) or other[0].encode(["B.", "A."]))
    worker.start()
    worker.join()
    assert other[0].problems == [] and other[0].embedded == 1
    assert other[0].store._connection is not second.store._connection
    # `qa cache clear` closes them: later stores write to a new file, not into the removed one.
    cache.clear(tmp_path)
    third, encoder = cached(tmp_path)
    third.encode(["A."])
    assert encoder.calls == [["A."]] and cache.info(tmp_path).vectors_by_model == (("counting/v1", 1),)


def test_damaged_rows_are_cache_misses_not_wrong_vectors(tmp_path):
    encoder_cache, _ = cached(tmp_path)
    encoder_cache.encode(["Good row.", "NaN row.", "Short row.", "Long row."])
    connection = sqlite3.connect(tmp_path / EMBEDDINGS_FILE)
    with connection:
        nan = np.full(4, np.nan, dtype="<f4").tobytes()
        connection.execute("UPDATE vectors SET vector = ? WHERE text_sha256 = ?", (nan, text_key("NaN row.")))
        short = np.ones(2, dtype="<f4").tobytes()
        connection.execute(
            "UPDATE vectors SET vector = ?, dimension = 2 WHERE text_sha256 = ?", (short, text_key("Short row."))
        )
        scaled = (np.ones(4, dtype="<f4") * 3).tobytes()  # not a unit vector
        connection.execute("UPDATE vectors SET vector = ? WHERE text_sha256 = ?", (scaled, text_key("Long row.")))
    connection.close()
    again, encoder = cached(tmp_path)
    vectors = again.encode(["Good row.", "NaN row.", "Short row.", "Long row."])
    assert encoder.calls == [["NaN row.", "Short row.", "Long row."]]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_an_unwritable_cache_directory_is_a_note_not_a_failure(tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    store = EmbeddingStore(blocker / "sub" / EMBEDDINGS_FILE)
    encoder_cache = CachedEncoder(CountingEncoder(), store, "counting/v1")
    assert encoder_cache.encode(["Still works."]).shape == (1, 4)
    assert len(encoder_cache.problems) == 1 and "cannot open" in encoder_cache.problems[0]


def test_info_and_clear(tmp_path):
    encoder_cache, _ = cached(tmp_path, key="model-a")
    encoder_cache.encode(["One.", "Two."])
    encoder_cache.store.close()
    (tmp_path / "models" / "built-model").mkdir(parents=True)
    (tmp_path / "models" / "built-model" / "weights.bin").write_bytes(b"0" * 10)
    found = cache.info(tmp_path)
    assert found.vectors_by_model == (("model-a", 2),)
    assert found.models == (("built-model", 10),)
    assert found.embeddings_bytes > 0 and found.problem is None
    # The connection stays open (one per process), so the vectors may still be in the log.
    log = tmp_path / (EMBEDDINGS_FILE + "-wal")
    assert log.stat().st_size > 0
    assert found.embeddings_bytes >= (tmp_path / EMBEDDINGS_FILE).stat().st_size + log.stat().st_size
    removed = cache.clear(tmp_path)
    assert tmp_path / EMBEDDINGS_FILE in removed and tmp_path / "models" in removed
    assert cache.info(tmp_path).vectors_by_model == () and cache.info(tmp_path).models == ()


def test_info_reports_an_unreadable_file_instead_of_failing(tmp_path):
    (tmp_path / EMBEDDINGS_FILE).write_bytes(b"garbage" * 200)
    found = cache.info(tmp_path)
    assert found.problem is not None and "qa cache clear" in found.problem


@pytest.mark.parametrize("texts", [[], ["Only one."]])
def test_shapes(tmp_path, texts):
    encoder_cache, _ = cached(tmp_path)
    assert encoder_cache.encode(texts).shape == (len(texts), 4)


def test_the_cache_logs_ahead_so_a_writer_does_not_block_another_process(tmp_path):
    encoder_cache, _ = cached(tmp_path)
    encoder_cache.encode(["A paragraph."])
    path = tmp_path / EMBEDDINGS_FILE
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        other.execute("BEGIN IMMEDIATE")  # a second process in the middle of writing
        other.execute("INSERT INTO vectors VALUES ('x', 'y', 1, x'0000803f')")
        # ...does not stop this one reading what is committed.
        store = EmbeddingStore(path)
        assert set(store.get("counting/v1", ["A paragraph."], 4)) == {text_key("A paragraph.")}
        store.close()
        other.rollback()


_RECURSIVE_VIEW = (
    "CREATE VIEW vectors(model, text_sha256, dimension, vector) AS "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT 'counting/v1', hex(i), 4, x'00' FROM n"
)


def _crafted(path, *statements: str) -> None:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def _in_time(function, seconds: float = 20):
    """Call `function` on a daemon thread; fail (instead of hanging the suite) after `seconds`."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return result[0]


# A database whose `vectors` is not the table qa writes: each is moved aside, never queried.
WRONG_SHAPES = {
    "a recursive view named vectors": ((_RECURSIVE_VIEW,), "'vectors' is a view, not a table"),
    "a table with other columns": (
        ("CREATE TABLE vectors (model TEXT, text TEXT, vector BLOB)",),
        "'vectors' has the columns (model TEXT, text TEXT, vector BLOB), not those qa writes",
    ),
    "the table and a trigger on it": (
        (
            cache._SCHEMA,
            "CREATE TRIGGER slow AFTER INSERT ON vectors BEGIN SELECT count(*) FROM "
            "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n); END",
        ),
        "unexpected trigger 'slow'",
    ),
}


@pytest.mark.parametrize("case", list(WRONG_SHAPES))
def test_a_cache_of_the_wrong_shape_is_moved_aside_not_queried(tmp_path, case):
    statements, reason = WRONG_SHAPES[case]
    path = tmp_path / EMBEDDINGS_FILE
    _crafted(path, *statements)
    encoder_cache, encoder = cached(tmp_path)
    vectors = _in_time(lambda: encoder_cache.encode(["A paragraph.", "另一个段落。"]))
    assert vectors.shape == (2, 4) and len(encoder.calls) == 1
    (problem,) = encoder_cache.problems
    assert f"is not a cache qa wrote ({reason})" in problem and "`qa cache clear` removes it" in problem
    aside = list(tmp_path.glob(EMBEDDINGS_FILE + ".corrupt-*"))
    assert [p.name for p in aside] == [problem.split("moved to ")[1].split(" ")[0]]  # renamed, not deleted
    assert not path.exists()
    fresh, encoder = cached(tmp_path)  # the next run starts a new cache and keeps it
    fresh.encode(["A paragraph."])
    assert fresh.problems == [] and cache.info(tmp_path).vectors_by_model == (("counting/v1", 1),)


@pytest.mark.parametrize("case", list(WRONG_SHAPES))
def test_cache_info_reports_a_wrong_shape_at_once_and_changes_nothing(tmp_path, case):
    statements, reason = WRONG_SHAPES[case]
    path = tmp_path / EMBEDDINGS_FILE
    _crafted(path, *statements)
    before = path.read_bytes()
    found = _in_time(lambda: cache.info(tmp_path))
    assert found.problem == f"{path} is not a cache qa wrote ({reason}); `qa cache clear` removes it"
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", list(WRONG_SHAPES))
def test_asking_a_wrong_shaped_cache_what_it_lacks_answers_everything_and_moves_nothing(tmp_path, monkeypatch, case):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    _crafted(tmp_path / EMBEDDINGS_FILE, *WRONG_SHAPES[case][0])
    assert _in_time(lambda: cache.missing_texts("counting/v1", 4, ["A."])) == ["A."]
    assert _in_time(lambda: cache.stored_dimension("counting/v1")) is None
    assert (tmp_path / EMBEDDINGS_FILE).exists()  # the writer of the next run moves it


def test_a_cache_that_is_not_sqlite_is_reported_by_info_and_moved_aside_by_a_run(tmp_path):
    path = tmp_path / EMBEDDINGS_FILE
    path.write_bytes(b"PK\x03\x04 a zip file, not a database" * 100)
    assert "is unreadable (file is not a database)" in cache.info(tmp_path).problem
    encoder_cache, _ = cached(tmp_path)
    encoder_cache.encode(["A."])
    assert "is damaged (file is not a database)" in encoder_cache.problems[0]
    assert "`qa cache clear` removes it" in encoder_cache.problems[0]
    assert list(tmp_path.glob(EMBEDDINGS_FILE + ".corrupt-*"))


@pytest.mark.parametrize("log", ["", "-wal"])
def test_a_cache_file_or_log_that_is_a_fifo_is_moved_aside_not_opened(tmp_path, log):
    """SQLite would wait for ever reading a FIFO."""
    if log:
        _crafted(tmp_path / EMBEDDINGS_FILE, cache._SCHEMA)
    os.mkfifo(tmp_path / (EMBEDDINGS_FILE + log))
    assert "is not a regular file" in _in_time(lambda: cache.info(tmp_path)).problem
    encoder_cache, _ = cached(tmp_path)
    assert _in_time(lambda: encoder_cache.encode(["A."])).shape == (1, 4)
    assert "is not a cache qa wrote" in encoder_cache.problems[0]
    assert (tmp_path / f"{encoder_cache.problems[0].split('moved to ')[1].split(' ')[0]}{log}").exists()


def test_a_moved_aside_cache_takes_its_logs_with_it(tmp_path):
    """SQLite would replay a stale -wal into the next new cache: the logs move with the file."""
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / (EMBEDDINGS_FILE + suffix)).write_bytes(f"crafted{suffix}".encode())
    said = EmbeddingStore(tmp_path / EMBEDDINGS_FILE)._move_aside()
    moved = said.removeprefix("moved to ")
    assert sorted(p.name for p in tmp_path.iterdir()) == [moved, f"{moved}-shm", f"{moved}-wal"]
    assert (tmp_path / f"{moved}-wal").read_bytes() == b"crafted-wal"


def test_a_statement_that_runs_too_long_is_stopped_and_the_run_goes_on(tmp_path, monkeypatch):
    """The backstop for a shape the check does not know: no statement runs past QUERY_SECONDS."""
    monkeypatch.setattr(cache, "QUERY_SECONDS", 0.2)
    monkeypatch.setattr(cache, "_check_shape", lambda connection: None)  # as if the view looked right
    path = tmp_path / EMBEDDINGS_FILE
    _crafted(path, _RECURSIVE_VIEW)
    encoder_cache, encoder = cached(tmp_path)
    assert _in_time(lambda: encoder_cache.encode(["A."])).shape == (1, 4) and len(encoder.calls) == 1
    (problem,) = encoder_cache.problems
    assert "a query ran over 0.2 s and was stopped" in problem and "qa cache clear" in problem
    assert path.exists()  # not known to be wrong: left where it is
    assert "is unreadable (a query ran over 0.2 s)" in _in_time(lambda: cache.info(tmp_path)).problem
