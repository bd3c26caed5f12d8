"""The user cache: embeddings keyed by model and text hash, and models built at first use.

Where: `$QA_CACHE_DIR` if set (tests point it at a temporary folder), else the platform's
user cache directory for `qa` (`$XDG_CACHE_HOME/qa`, by default `~/.cache/qa`, on Linux).

Embeddings live in one SQLite file. A vector is stored exactly (float32 bytes), so a cached
vector gives the same score as a fresh one; re-checking an edited document embeds only the
blocks whose text changed. The cache is an optimisation and never a reason for a run to fail:
a file that cannot be opened, read or written (corrupted, locked, read-only disk) is moved
aside or bypassed, and the problem is reported as a note.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ENV_CACHE_DIR = "QA_CACHE_DIR"
EMBEDDINGS_FILE = "embeddings.sqlite3"
MODELS_DIR = "models"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vectors ("
    " model TEXT NOT NULL, text_sha256 TEXT NOT NULL, dimension INTEGER NOT NULL, vector BLOB NOT NULL,"
    " PRIMARY KEY (model, text_sha256))"
)
# SQLite's default limit on host parameters in one statement is 999 on old builds.
_QUERY_CHUNK = 500
_EXPECTED_OBJECTS = {("table", "vectors"), ("index", "sqlite_autoindex_vectors_1")}
"""Everything `_SCHEMA` creates, and nothing else: a view, a trigger or an index someone else
added would run their SQL inside ours."""
_EXPECTED_COLUMNS = (
    # name, declared type, NOT NULL, position in the primary key, hidden (generated)
    ("model", "TEXT", 1, 1, 0),
    ("text_sha256", "TEXT", 1, 2, 0),
    ("dimension", "INTEGER", 1, 0, 0),
    ("vector", "BLOB", 1, 0, 0),
)
QUERY_SECONDS = 10.0
"""Any one statement on the cache is stopped after this long. Ours are index lookups and
inserts that take milliseconds on a cache of a million vectors; a statement still running
after 10 s is a crafted or broken file, and a cache must never hold up a run."""
_PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two looks at the clock (about a millisecond)."""
_MAX_VALUE_BYTES = 1 << 20
"""The largest string or blob SQLite may build: a vector is 2 KB (USE; 16 KB at 4,096
dimensions), so 1 MiB bounds what a crafted value (zeroblob(10^9)) can allocate."""


class _WrongShape(sqlite3.DatabaseError):
    """The cache file is a SQLite database, but not one qa wrote (or a special file)."""


class _GuardedConnection(sqlite3.Connection):
    """A connection whose every statement stops after QUERY_SECONDS (`interrupted`), and whose
    values cannot exceed _MAX_VALUE_BYTES: the backstop behind the shape check."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._until = time.monotonic() + QUERY_SECONDS
        self.set_progress_handler(self._overdue, _PROGRESS_STEPS)
        self.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)

    def _overdue(self) -> bool:
        return time.monotonic() > self._until

    # The clock restarts with each statement; rows fetched later count against it too, and
    # so does the commit that follows a write (`with connection:` right after executemany).
    def execute(self, sql: str, parameters=(), /) -> sqlite3.Cursor:  # type: ignore[override]
        self._until = time.monotonic() + QUERY_SECONDS
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters, /) -> sqlite3.Cursor:  # type: ignore[override]
        self._until = time.monotonic() + QUERY_SECONDS
        return super().executemany(sql, parameters)


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """A guarded connection to a cache file, refused (`_WrongShape`) when the file or its logs
    are not regular files: SQLite would block for ever reading a FIFO."""
    for part in (*_with_log(path), path.with_name(path.name + "-journal")):
        if part.exists() and not part.is_file():
            raise _WrongShape(f"{part.name} is not a regular file")
    if read_only:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10, factory=_GuardedConnection)
    return sqlite3.connect(path, timeout=10, factory=_GuardedConnection)


def _check_shape(connection: sqlite3.Connection) -> None:
    """Raise _WrongShape unless the database is empty or holds exactly what `_SCHEMA` makes.

    Before any query on `vectors`: a view of that name (over a recursive query, say) would
    otherwise run inside every lookup, and `CREATE TABLE IF NOT EXISTS` lets it stand."""
    objects = {(kind, name) for kind, name in connection.execute("SELECT type, name FROM sqlite_master")}
    if not objects:
        return
    kind = next((kind for kind, name in objects if name == "vectors"), None)
    if kind != "table":
        raise _WrongShape("no table 'vectors'" if kind is None else f"'vectors' is a {kind}, not a table")
    columns = tuple(
        (name, str(declared).upper(), notnull, key, hidden)
        for _, name, declared, notnull, _, key, hidden in connection.execute("PRAGMA table_xinfo(vectors)")
    )
    if columns != _EXPECTED_COLUMNS:
        found = ", ".join(f"{name} {declared}".strip() for name, declared, *_ in columns)
        raise _WrongShape(f"'vectors' has the columns ({found}), not those qa writes")
    if objects != _EXPECTED_OBJECTS:
        unexpected = sorted(f"{kind} {name!r}" for kind, name in objects - _EXPECTED_OBJECTS)
        missing = sorted(f"{kind} {name!r}" for kind, name in _EXPECTED_OBJECTS - objects)
        raise _WrongShape("; ".join(filter(None, [_listed("unexpected", unexpected), _listed("missing", missing)])))


def _listed(what: str, items: list[str]) -> str:
    return f"{what} {', '.join(items)}" if items else ""


def cache_dir() -> Path:
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qa", appauthor=False))


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    embeddings_file: Path
    embeddings_bytes: int
    vectors_by_model: tuple[tuple[str, int], ...]
    models: tuple[tuple[str, int], ...]
    """Built model folders under `models/` and their size in bytes."""
    problem: str | None = None


class EmbeddingStore:
    """Vectors by (model key, sha256 of text) in one SQLite file; every failure is a cache miss."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        """Only look: no file or table created, nothing written, nothing damaged moved aside."""
        self.problems: list[str] = []
        self._connection: sqlite3.Connection | None = None
        self._disabled = False

    def get(self, model: str, texts: Sequence[str], dimension: int) -> dict[str, np.ndarray]:
        """Vectors found for these texts, by text sha256; damaged rows are ignored."""
        keys = sorted({text_key(t) for t in texts})
        found: dict[str, np.ndarray] = {}
        connection = self._connect()
        if connection is None or not keys:
            return found
        try:
            for start in range(0, len(keys), _QUERY_CHUNK):
                chunk = keys[start : start + _QUERY_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"SELECT text_sha256, dimension, vector FROM vectors WHERE model = ? AND text_sha256 IN ({marks})",
                    (model, *chunk),
                ).fetchall()
                for key, stored_dimension, blob in rows:
                    vector = _decode(blob, stored_dimension, dimension)
                    if vector is not None:
                        found[key] = vector
        except sqlite3.Error as error:
            self._failed(error, "read")
            return {}
        return found

    def dimension(self, model: str) -> int | None:
        """The size of the vectors stored for `model` (one row read: a key names one model's
        files, so its vectors all have one size), or None: none stored, or unreadable."""
        connection = self._connect()
        if connection is None:
            return None
        try:
            row = connection.execute("SELECT dimension FROM vectors WHERE model = ? LIMIT 1", (model,)).fetchone()
        except sqlite3.Error as error:
            self._failed(error, "read")
            return None
        return row[0] if row is not None and isinstance(row[0], int) and row[0] > 0 else None

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        connection = None if self.read_only else self._connect()
        if connection is None or not vectors:
            return
        rows = [
            (model, key, int(vector.shape[0]), np.ascontiguousarray(vector, dtype="<f4").tobytes())
            for key, vector in vectors.items()
        ]
        try:
            with connection:
                connection.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as error:
            self._failed(error, "write")

    def close(self) -> None:
        """Done with the file: a read-only connection is closed; the writable one stays open
        for the next store of this process and thread (`_WRITERS`)."""
        if self._connection is not None and self.read_only:
            self._connection.close()
        self._connection = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._disabled:
            return None
        if self._connection is None:
            try:
                self._connection = self._open() if self.read_only else _writer(self.path, self._open)
            except (sqlite3.Error, OSError) as error:
                self._failed(error, "open")
        return self._connection

    def _open(self) -> sqlite3.Connection:
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(self.path, read_only=self.read_only)
        try:
            # Reading the schema touches the header and first page: a file that is not a
            # database fails here, and damage further in fails at the query that meets it.
            _check_shape(connection)
            if not self.read_only:
                connection.execute(_SCHEMA)
                connection.commit()
                _write_ahead(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _failed(self, error: sqlite3.Error | OSError, doing: str) -> None:
        """Go on without the cache for this run; a damaged file is moved aside so the next run starts afresh."""
        self.close()
        self._disabled = True
        if self.read_only:
            return  # the next writer reports and repairs it
        if _interrupted(error):
            self.problems.append(
                f"embedding cache {self.path}: a query ran over {QUERY_SECONDS:g} s and was stopped; "
                "embeddings not cached (`qa cache clear` starts a new cache)"
            )
            return
        if not isinstance(error, sqlite3.DatabaseError) or isinstance(error, sqlite3.OperationalError):
            # locked, read-only, disk full: the file itself may be fine
            self.problems.append(f"embedding cache {self.path}: cannot {doing} ({error}); embeddings not cached")
            return
        _close_writers(self.path)  # before it moves: a connection would write on into the moved file
        moved = self._move_aside()
        what = "is not a cache qa wrote" if isinstance(error, _WrongShape) else "is damaged"
        self.problems.append(
            f"embedding cache {self.path} {what} ({error}); {moved} (`qa cache clear` removes it); "
            "embeddings not cached"
        )

    def _move_aside(self) -> str:
        """Rename, never delete: the file may be someone's. Its logs go with it, under the
        matching names, since SQLite would replay a stale `-wal` into the next new cache."""
        if not os.path.lexists(self.path):
            return "nothing to move"
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm", "-journal"):
                log = self.path.with_name(self.path.name + suffix)
                if os.path.lexists(log):
                    os.replace(log, aside.with_name(aside.name + suffix))
        except OSError as error:
            return f"could not move it aside ({error.strerror or error})"
        return f"moved to {aside.name}"


_WRITERS: dict[tuple[int, int, Path], sqlite3.Connection] = {}
"""The writable connection of each process and thread to each cache file, kept open from one
store to the next: a batch run embeds file after file, and opening a connection (schema, WAL
mode) and closing it (a WAL checkpoint when it is the last one) cost more than writing a
file's vectors (docs/performance.md, "The embedding cache writes ahead"). Keyed by process,
since a connection must not be used across a fork, and by thread, since sqlite3 connections
belong to the thread that opened them (a Dask worker runs tasks on a thread pool)."""


def _writer(path: Path, open_connection: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
    key = (os.getpid(), threading.get_ident(), path)
    connection = _WRITERS.get(key)
    if connection is None:
        connection = _WRITERS[key] = open_connection()
    return connection


def _close_writers(path: Path) -> None:
    """Close this thread's connection to `path`: it is damaged, or about to be removed. (Only
    its own: sqlite3 refuses to close another thread's.)"""
    connection = _WRITERS.pop((os.getpid(), threading.get_ident(), path), None)
    if connection is not None:
        connection.close()


def _write_ahead(connection: sqlite3.Connection) -> None:
    """Write-ahead logging without a sync per commit: the workers of a batch run write their
    files' vectors concurrently, and in the default rollback mode each commit synced the disk
    and locked out the other worker's reads and writes: the workers waited on each other far
    longer than they wrote (docs/performance.md). A crash loses at most the last commits'
    vectors, which a cache may.
    A filesystem without WAL support (some network mounts) keeps the default mode."""
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.OperationalError:
        pass


def _decode(blob: object, stored: object, wanted: int) -> np.ndarray | None:
    """The stored vector, or None unless it is a finite unit (or zero) vector of the right size."""
    if not isinstance(blob, bytes) or stored != wanted or len(blob) != 4 * wanted:
        return None
    vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    if not np.all(np.isfinite(vector)):
        return None
    norm = float(np.linalg.norm(vector))
    return vector if norm == 0.0 or abs(norm - 1.0) < 1e-3 else None


class CachedEncoder:
    """An Encoder that asks the store first and embeds only the texts it has not seen."""

    def __init__(self, encoder, store: EmbeddingStore, model_key: str) -> None:
        self.encoder = encoder
        self.store = store
        self.model_key = model_key
        self.name: str = encoder.name
        self.dimension = int(encoder.encode([]).shape[1])
        self.embedded = 0
        """How many texts this process sent to the model; the rest came from the cache."""

    @property
    def problems(self) -> list[str]:
        return self.store.problems

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        found = self.store.get(self.model_key, texts, self.dimension)
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found:
                missing.setdefault(key, text)
        if missing:
            encoded = np.asarray(self.encoder.encode(list(missing.values())), dtype=np.float32)
            self.embedded += len(missing)
            fresh = dict(zip(missing, encoded, strict=True))
            self.store.put(self.model_key, fresh)
            found.update(fresh)
        return np.stack([found[key] for key in keys])


def missing_texts(model_key: str, dimension: int, texts: Sequence[str]) -> list[str]:
    """The distinct texts the embedding cache has no vector for under `model_key`, found
    without changing the cache: a missing, locked or damaged one lacks them all (the run that
    follows reports it, and moves a damaged file aside)."""
    distinct = {text_key(t): t for t in texts}
    store = EmbeddingStore(cache_dir() / EMBEDDINGS_FILE, read_only=True)
    try:
        found = store.get(model_key, list(distinct.values()), dimension)
    finally:
        store.close()
    return [text for key, text in distinct.items() if key not in found]


def stored_dimension(model_key: str) -> int | None:
    """The size of the vectors the embedding cache holds under `model_key`, read without
    changing the cache; None when it holds none or cannot be read."""
    store = EmbeddingStore(cache_dir() / EMBEDDINGS_FILE, read_only=True)
    try:
        return store.dimension(model_key)
    finally:
        store.close()


def info(root: Path | None = None) -> CacheInfo:
    root = root or cache_dir()
    embeddings = root / EMBEDDINGS_FILE
    by_model: tuple[tuple[str, int], ...] = ()
    problem = None
    if os.path.lexists(embeddings):
        try:
            connection = _connect(embeddings, read_only=True)
            try:
                _check_shape(connection)
                rows = connection.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model ORDER BY model")
                by_model = tuple((str(model), int(count)) for model, count in rows)
            finally:
                connection.close()
        except _WrongShape as error:
            problem = f"{embeddings} is not a cache qa wrote ({error}); `qa cache clear` removes it"
        except sqlite3.Error as error:
            why = f"a query ran over {QUERY_SECONDS:g} s" if _interrupted(error) else str(error)
            problem = f"{embeddings} is unreadable ({why}); `qa cache clear` removes it"
    models_dir = root / MODELS_DIR
    models = (
        tuple((p.name, _size(p)) for p in sorted(models_dir.iterdir()) if p.is_dir()) if models_dir.is_dir() else ()
    )
    return CacheInfo(
        path=root,
        embeddings_file=embeddings,
        # With its write-ahead log: pool workers exit with their connections open, so the log
        # is only folded back into the file by a later run (SQLite keeps it near 4 MB).
        embeddings_bytes=sum(p.stat().st_size for p in _with_log(embeddings) if p.is_file()),
        vectors_by_model=by_model,
        models=models,
        problem=problem,
    )


def clear(root: Path | None = None) -> list[Path]:
    """Remove the embeddings and the built models; return what was removed."""
    root = root or cache_dir()
    removed = []
    _close_writers(root / EMBEDDINGS_FILE)
    for path in sorted(root.glob(EMBEDDINGS_FILE + "*")):
        path.unlink(missing_ok=True)
        removed.append(path)
    models_dir = root / MODELS_DIR
    if models_dir.is_dir():
        shutil.rmtree(models_dir)
        removed.append(models_dir)
    return removed


def _interrupted(error: BaseException) -> bool:
    """Stopped by the progress handler: QUERY_SECONDS passed."""
    return isinstance(error, sqlite3.OperationalError) and str(error) == "interrupted"


def _with_log(database: Path) -> tuple[Path, ...]:
    return database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
