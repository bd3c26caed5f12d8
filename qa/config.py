"""Settings from `qa.toml` or `[tool.qa]` in `pyproject.toml`, so a CI job and a translator
get the same behaviour; command-line flags override them, and every value knows its origin.

    [tool.qa]
    glossaries = ["terms/team.csv", "terms/"] # files or folders, added to the bundled glossary
    bundled-glossary = true                   # false: only the project's own glossaries
    fail-on = "warning"                       # error | warning | never
    select = ["glossary", "numbers"]          # rule ids or prefixes (default: the rules on by default)
    extend-select = ["code/comment-translated"]  # added to them: turns on a rule off by default
    ignore = ["typography/missing-space"]
    model = "use-multilingual"                # or a sentence-transformers path / hub id
    drift-threshold = 0.4
    report-dir = "reports"

    [tool.qa.severity]                        # per-rule overrides; "off" disables a rule
    "glossary/missing-term" = "info"
    "typography/" = "off"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.embed import DEFAULT_MODEL
from qa.errors import QaInputError
from qa.model import Finding, Severity

CONFIG_FILES = ("qa.toml", "pyproject.toml")
FAIL_ON = ("error", "warning", "never")
OFF = "off"
_KEYS = {
    "glossaries",
    "bundled-glossary",
    "fail-on",
    "select",
    "extend-select",
    "ignore",
    "model",
    "drift-threshold",
    "report-dir",
    "severity",
}


@dataclass(frozen=True)
class Config:
    glossaries: tuple[Path, ...] = ()
    bundled_glossary: bool = True
    fail_on: str = "error"
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    model: str = DEFAULT_MODEL
    drift_threshold: float | None = None
    report_dir: Path = Path("reports")
    severity: tuple[tuple[str, str], ...] = ()
    """(rule id or prefix, severity label or "off"), most specific applied last."""
    origins: dict[str, str] = field(default_factory=dict, compare=False)
    """Setting name -> where its value came from ("default", a file, "command line")."""

    def override(self, origin: str, **values: Any) -> Config:
        """Values that are not None replace this config's, remembering `origin`."""
        given = {name: value for name, value in values.items() if value is not None}
        return replace(self, **given, origins={**self.origins, **dict.fromkeys(given, origin)})

    def origin(self, name: str) -> str:
        return self.origins.get(name, "default")

    def apply_severity(self, findings: list[Finding]) -> list[Finding]:
        return apply_severity(self.severity, findings)


def apply_severity(overrides: tuple[tuple[str, str], ...], findings: list[Finding]) -> list[Finding]:
    """Per-rule severity overrides, most specific first; findings of rules set "off" are dropped."""
    if not overrides:
        return findings
    out = []
    for finding in findings:
        level = _most_specific(overrides, finding.rule)
        if level == OFF:
            continue
        out.append(finding if level is None else replace(finding, severity=Severity.parse(level)))
    return out


def find_config(start: Path) -> Path | None:
    """The nearest qa.toml, or pyproject.toml with a [tool.qa] table, from `start` upwards."""
    for folder in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name == "qa.toml" or "[tool.qa" in _read(candidate)):
                return candidate
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise QaInputError(str(path), f"not valid TOML: {error}", int(line.group(1)) if line else None) from None
    table = data if path.name == "qa.toml" else data.get("tool", {}).get("qa", {})
    return _parse_table(path, text, table)


def _parse_table(path: Path, text: str, table: dict[str, Any]) -> Config:
    origin = str(path) if path.name == "qa.toml" else f"{path} [tool.qa]"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise QaInputError(
            str(path), f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})", _line(text, unknown[0])
        )

    def strings(key: str) -> tuple[str, ...] | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise QaInputError(str(path), f"{key!r} must be a string or a list of strings", _line(text, key))
        return tuple(value)

    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise QaInputError(str(path), f"'fail-on' must be one of {', '.join(FAIL_ON)}", _line(text, "fail-on"))
    threshold = table.get("drift-threshold")
    if threshold is not None and not isinstance(threshold, int | float):
        raise QaInputError(str(path), "'drift-threshold' must be a number", _line(text, "drift-threshold"))
    bundled = table.get("bundled-glossary")
    if bundled is not None and not isinstance(bundled, bool):
        raise QaInputError(str(path), "'bundled-glossary' must be true or false", _line(text, "bundled-glossary"))
    model = table.get("model")
    if model is not None and not isinstance(model, str):
        raise QaInputError(str(path), "'model' must be a string", _line(text, "model"))
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise QaInputError(str(path), "'severity' must be a table of rule = level", _line(text, "severity"))
    for rule, level in severity.items():
        if level != OFF and (not isinstance(level, str) or level.upper() not in Severity.__members__):
            raise QaInputError(
                str(path), f"severity of {rule!r} must be error, warning, info or off", _line(text, rule)
            )
    base = path.parent
    glossaries = strings("glossaries")
    report_dir = table.get("report-dir")
    return Config().override(
        origin,
        glossaries=None if glossaries is None else tuple(base / g for g in glossaries),
        bundled_glossary=bundled,
        fail_on=fail_on,
        select=strings("select"),
        extend_select=strings("extend-select"),
        ignore=strings("ignore"),
        model=model,
        drift_threshold=None if threshold is None else float(threshold),
        report_dir=None if report_dir is None else base / str(report_dir),
        severity=tuple(severity.items()) or None,
    )


def describe(config: Config) -> list[tuple[str, str, str]]:
    """(setting, value, origin) rows for `qa config`."""
    rows = [
        ("glossaries", ", ".join(str(p) for p in config.glossaries) or "(none configured)", "glossaries"),
        ("bundled-glossary", str(config.bundled_glossary).lower(), "bundled_glossary"),
        ("fail-on", config.fail_on, "fail_on"),
        ("select", ", ".join(config.select) if config.select is not None else "(the rules on by default)", "select"),
        ("extend-select", ", ".join(config.extend_select) or "(none)", "extend_select"),
        ("ignore", ", ".join(config.ignore) or "(none)", "ignore"),
        ("model", config.model, "model"),
        (
            "drift-threshold",
            "(per model)" if config.drift_threshold is None else str(config.drift_threshold),
            "drift_threshold",
        ),
        ("report-dir", str(config.report_dir), "report_dir"),
        ("severity", ", ".join(f"{r}={lvl}" for r, lvl in config.severity) or "(rule defaults)", "severity"),
    ]
    return [(name, value, config.origin(key)) for name, value, key in rows]


def _most_specific(overrides: tuple[tuple[str, str], ...], rule: str) -> str | None:
    best: tuple[int, str] | None = None
    for selector, level in overrides:
        prefix = selector.rstrip("/")
        if rule == prefix or rule.startswith(prefix + "/"):
            rank = len(prefix.split("/")) + (1 if rule == prefix else 0)
            if best is None or rank >= best[0]:
                best = (rank, level)
    return None if best is None else best[1]


def _read(path: Path) -> str:
    from qa.read.io import read_text

    return read_text(path)


def _line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith((key, f'"{key}"')):
            return number
    return None
