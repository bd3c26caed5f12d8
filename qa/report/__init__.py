"""Report formats: each module turns a Report into text (`render(report) -> str`) and
recomputes nothing. FORMATS is the registry `qa check --format` offers: a new format is its
module and one line here. Modules are imported when used, so the CLI starts without them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from qa.gcpause import collector_paused
from qa.model import Report


@dataclass(frozen=True)
class Format:
    name: str
    """The value of `--format`."""
    module: str
    """qa.report.<module>, which has `render(report) -> str`."""
    extension: str | None
    """Of the report file; None for a format only ever printed (GitHub annotations)."""
    kind: str
    """How a stdout that cannot encode it escapes it: "text", "json" or "markup" (qa/cli/process.py)."""

    def render(self, report: Report) -> str:
        # A report of 100,000 pairs is a dict, row or line per pair and finding, built while
        # the blocks, pairs and findings are all alive: the collector would walk them all
        # again and again for cycles that are not there (qa.gcpause).
        with collector_paused():
            return renderer(self.module)(report)


def renderer(module: str) -> Callable[[Report], str]:
    return import_module(f"{__name__}.{module}").render


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("md", "markdown", "md", "text"),
        Format("json", "json", "json", "json"),
        Format("html", "html", "html", "markup"),
        Format("sarif", "sarif", "sarif", "json"),
        Format("junit", "junit", "junit.xml", "markup"),
        Format("github", "github", None, "text"),
    )
}
