"""Which glossary files a run uses, and where each one came from.

The ML glossary ships in the package (`bundled:NAME`), so `qa` works on any user's files in
any folder. A project adds its own: a `glossaries/` folder found upwards from the checked
file, `glossaries` in `[tool.qa]`, and `--glossary` (a file or a folder, repeatable). The
list is resolved once here and then loaded by qa/glossary/load.py, where a project entry
overrides the bundled entry for the same term.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import QaInputError
from qa.glossary.load import bundled_glossaries, bundled_path, discover_glossaries, is_bundled, read_glossary_bytes

if TYPE_CHECKING:
    from qa.config import Config


class Origin(enum.StrEnum):
    BUNDLED = "bundled with qa"
    FOUND = "glossaries/ folder found"
    CONFIG = "settings file"
    FLAG = "--glossary"


@dataclass(frozen=True)
class GlossaryFile:
    location: str
    """A path as the user gave or we found it, or `bundled:NAME`."""
    origin: Origin

    @property
    def path(self) -> Path:
        """Where the file is on disk (for a bundled one, inside the installed package)."""
        return bundled_path(self.location) if is_bundled(self.location) else Path(self.location)


@dataclass(frozen=True)
class Skipped:
    file: GlossaryFile
    reason: str


@dataclass(frozen=True)
class GlossaryFiles:
    used: tuple[GlossaryFile, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def locations(self) -> list[str]:
        return [file.location for file in self.used]


def resolve_glossaries(
    start: Path,
    cwd: Path,
    *,
    configured: Sequence[Path] = (),
    flags: Sequence[Path] = (),
    bundled: bool = True,
) -> GlossaryFiles:
    """Bundled first, then found, configured and flagged files, each file once.

    `start` is the folder of the first checked file (or the working directory). A project
    file with the same bytes as a bundled one is not loaded twice.
    """
    candidates = [GlossaryFile(location, Origin.BUNDLED) for location in bundled_glossaries()] if bundled else []
    candidates += [GlossaryFile(str(path), Origin.FOUND) for path in discover_glossaries(start, cwd)]
    candidates += [GlossaryFile(str(path), Origin.CONFIG) for path in expand_glossary_paths(configured)]
    candidates += [GlossaryFile(str(path), Origin.FLAG) for path in expand_glossary_paths(flags)]
    used: list[GlossaryFile] = []
    skipped: list[Skipped] = []
    by_path: dict[Path, GlossaryFile] = {}
    for candidate in candidates:
        resolved = (cwd / candidate.path).resolve()  # a found path is relative to `cwd`
        if resolved in by_path:
            skipped.append(Skipped(candidate, f"the same file as {by_path[resolved].location}"))
            continue
        by_path[resolved] = candidate
        used.append(candidate)
    return _without_bundled_copies(used, skipped, cwd)


def _without_bundled_copies(used: list[GlossaryFile], skipped: list[Skipped], cwd: Path) -> GlossaryFiles:
    """A project file with a bundled file's bytes is that file (this repo's own glossaries/, an
    editable or a regular install alike, or an unchanged copy): loaded once, as the bundled one."""
    bundled = {_digest(f, cwd): f for f in used if f.origin is Origin.BUNDLED}
    kept = []
    for file in used:
        twin = bundled.get(_digest(file, cwd)) if file.origin is not Origin.BUNDLED else None
        if twin is None:
            kept.append(file)
        else:
            skipped.append(Skipped(file, f"the same content as {twin.location}"))
    return GlossaryFiles(tuple(kept), tuple(skipped))


def _digest(file: GlossaryFile, cwd: Path) -> str:
    location = file.location if file.origin is Origin.BUNDLED else cwd / file.location
    return hashlib.sha256(read_glossary_bytes(location)).hexdigest()


def expand_glossary_paths(paths: Sequence[Path]) -> list[Path]:
    """Each path is a CSV file or a folder of them (its *.csv, in name order)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.csv"))
            if not found:
                raise QaInputError(str(path), "no *.csv glossary in this folder")
            out += found
        elif path.exists():
            out.append(path)
        else:
            raise QaInputError(str(path), "no such glossary file or folder")
    return out


def no_glossary_error(where: str) -> QaInputError:
    return QaInputError(where, "no glossary: the bundled one is off and none was found (pass --glossary FILE_OR_DIR)")


def files_for_settings(start: Path, settings: Config, flags: Sequence[Path] = ()) -> GlossaryFiles:
    """The files a command uses under these settings (`[tool.qa]` and the flags given)."""
    return resolve_glossaries(
        start, Path.cwd(), configured=settings.glossaries, flags=flags, bundled=settings.bundled_glossary
    )


def project_files(files: GlossaryFiles) -> list[Path]:
    """The files a maintainer may edit: every file in use but the bundled ones."""
    return [file.path for file in files.used if file.origin is not Origin.BUNDLED]
