"""A file that keeps the feedback analysis's step results between commands.

Every ``roadwise feedback`` command (and the web page's "propose links", and the reports that
use feedback demand) analyses the whole workspace again. The engine files each expensive
step's result under a fingerprint of everything the step read
(:mod:`roadwise.engines.feedback.memo`); this module stores those results in one SQLite file,
``feedback-analysis.sqlite`` under ``ROADWISE_CACHE_DIR`` (the folder the sentence vectors use;
``ROADWISE_CACHE_DIR=off`` turns both off).

What it promises:

* never a stale result: an entry is found only under the fingerprint of the same inputs, the
  same backend and model, this Roadwise version and this cache format, and of the library
  versions that compute it (scikit-learn, NumPy, SciPy);
* bounded size: past ``max_bytes`` (256 MB by default, ``ROADWISE_CACHE_MAX_MB`` to change it)
  the entries used longest ago are deleted;
* never a failure because of the cache: an entry whose checksum does not match is dropped and
  recomputed; a file that is not a database is deleted and made again; a folder that cannot be
  written (a read-only home, a full disk) means the analysis simply runs without the cache;
* never code run from the file: entries are read back by an unpickler that builds only the
  engines' own result dataclasses, NumPy arrays and dates, and refuses any other name a
  pickle asks for (a planted entry that would call a function is dropped, never executed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import pickle
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from roadwise import __version__
from roadwise.engines.feedback.memo import FORMAT
from roadwise.sources.text_models import (
    DEFAULT_MAX_BYTES,
    MAX_MB_ENV,
    cache_folder,
    max_bytes_from_env,
)

FILE_NAME = "feedback-analysis.sqlite"


_NUMPY_NAMES = frozenset(
    {
        # what NumPy's own pickles of arrays, dtypes and scalars name, in NumPy 1.x and 2.x
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.multiarray", "scalar"),
    }
)
_DATE_NAMES = frozenset({("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta")})
_ENGINE_PACKAGE = "roadwise.engines."


class RefusedEntry(pickle.UnpicklingError):
    """A stored entry asked for something other than a result object."""


class _ResultUnpickler(pickle.Unpickler):
    """Builds the engines' result dataclasses, NumPy arrays and dates, and nothing else.

    A pickle can name any importable callable (``os.system``) and have it called while it
    is read, so a cache file someone else could write would run their code; this refuses every
    name outside the short list the analysis steps' results need (the Python documentation's
    "restricting globals").
    """

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in _NUMPY_NAMES:
            return super().find_class(module, name)
        if (module, name) in _DATE_NAMES:
            return getattr(dt, name)
        if module.startswith(_ENGINE_PACKAGE) and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type) and dataclasses.is_dataclass(found):
                return found
        raise RefusedEntry(f"a cache entry asked for {module}.{name}, which results never hold")


def read_entry(data: bytes) -> object:
    """A stored entry's object, built only from the names results are made of."""
    return _ResultUnpickler(io.BytesIO(data)).load()


def _library_versions() -> str:
    versions = []
    for name in ("scikit-learn", "numpy", "scipy"):
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return ",".join(versions)


def _damaged(error: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is broken (not merely locked, full or read-only)."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


class AnalysisCache:
    """Step results of the feedback analysis in a SQLite file (a ``StepCache``).

    Entries are pickles of the engine's own result objects, checked against a SHA-256 kept
    beside them and read back by :func:`read_entry`, which builds nothing else; the file
    lives in the user's own cache folder.
    """

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = folder / FILE_NAME
        self.max_bytes = max_bytes
        self._namespace = f"{FORMAT}|roadwise={__version__}|{_library_versions()}"
        self._usable = True
        self.hits = 0
        self.misses = 0

    def _row_key(self, step: str, key: str) -> bytes:
        return hashlib.sha256(f"{self._namespace}|{step}|{key}".encode()).digest()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS steps (key BLOB PRIMARY KEY, step TEXT NOT NULL, "
                "checksum BLOB NOT NULL, value BLOB NOT NULL, size INTEGER NOT NULL, "
                "used REAL NOT NULL)"
            )
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = self._open()
        except sqlite3.Error as error:
            if not _damaged(error):
                raise
            # Not a database (truncated, overwritten): start a fresh file and go on.
            self._remove_files()
            connection = self._open()
        try:
            with connection:  # one transaction
                yield connection
        finally:
            connection.close()

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def get(self, step: str, key: str) -> object | None:
        if not self._usable:
            return None
        row_key = self._row_key(step, key)
        try:
            with self._connect() as connection:
                row = connection.execute(
                    "SELECT checksum, value FROM steps WHERE key = ?", (row_key,)
                ).fetchone()
                if row is not None:
                    connection.execute(
                        "UPDATE steps SET used = ? WHERE key = ?", (time.time(), row_key)
                    )
        except (OSError, sqlite3.Error) as error:
            self._failed(error)
            return None
        if row is None:
            self.misses += 1
            return None
        checksum, value = row
        if hashlib.sha256(value).digest() != checksum:
            self._forget(row_key)
            self.misses += 1
            return None
        try:
            found = read_entry(value)
        except Exception:  # a changed class, or a name results never hold: recompute it
            self._forget(row_key)
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, step: str, key: str, value: object) -> None:
        if not self._usable:
            return
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        if len(data) > self.max_bytes:
            return
        row = (
            self._row_key(step, key),
            step,
            hashlib.sha256(data).digest(),
            data,
            len(data),
            time.time(),
        )
        try:
            with self._connect() as connection:
                connection.execute("INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?, ?)", row)
                self._evict(connection)
        except (OSError, sqlite3.Error) as error:
            self._failed(error)

    def _evict(self, connection: sqlite3.Connection) -> None:
        """Delete the entries used longest ago until the rest fit in ``max_bytes``."""
        total = connection.execute("SELECT COALESCE(SUM(size), 0) FROM steps").fetchone()[0]
        if total <= self.max_bytes:
            return
        doomed = []
        for row_key, size in connection.execute("SELECT key, size FROM steps ORDER BY used"):
            if total <= self.max_bytes:
                break
            doomed.append((row_key,))
            total -= size
        connection.executemany("DELETE FROM steps WHERE key = ?", doomed)

    def _forget(self, row_key: bytes) -> None:
        try:
            with self._connect() as connection:
                connection.execute("DELETE FROM steps WHERE key = ?", (row_key,))
        except (OSError, sqlite3.Error) as error:
            self._failed(error)

    def _failed(self, error: OSError | sqlite3.Error) -> None:
        """A file damaged inside (a page, an index) is deleted, and the next write makes a
        fresh one; any other failure (locked, full, read-only) turns the cache off for this
        run, which then computes everything as if there were none."""
        if isinstance(error, sqlite3.Error) and _damaged(error):
            try:
                self._remove_files()
                return
            except OSError:
                pass
        self._usable = False

    def size(self) -> tuple[int, int]:
        """(entries, bytes) in the file."""
        try:
            with self._connect() as connection:
                count, total = connection.execute(
                    "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM steps"
                ).fetchone()
        except (OSError, sqlite3.Error):
            return 0, 0
        return int(count), int(total)


def analysis_cache() -> AnalysisCache | None:
    """The cache the views hand to ``analyse_feedback`` (None: ``ROADWISE_CACHE_DIR=off``)."""
    folder = cache_folder()
    if folder is None:
        return None
    return AnalysisCache(folder, max_bytes_from_env())


__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_MB_ENV",
    "AnalysisCache",
    "RefusedEntry",
    "analysis_cache",
    "max_bytes_from_env",
    "read_entry",
]
