"""Help that shows flags as flags, whichever typer is installed.

typer 0.29 labels every parameter in `--help` with its Python type: `--no-drift <bool>`,
`--glossary <list[Path]>`, `--help <bool>`, and usage lines like `qa check [OPTIONS]
{TARGET...}...` or `qa rules [OPTIONS] [[RULE_OR_PREFIX]...]...`. A user who reads
`--no-drift <bool>` types `--no-drift true`, and `true` becomes a TARGET. typer up to 0.26
showed click's metavars (`PATH`, `TEXT`, `[md|json]`, nothing for a flag); each release since
has drawn help differently.

`QaTyper` is `typer.Typer` whose groups and commands are `QaGroup` and `QaCommand`: before
help, usage or an error message is drawn, every parameter is given click's classic metavar,
and that is what typer then shows:
- a flag (and `--help`) shows no value;
- a value option shows its declared `metavar=`, else its type as click names it (`<str>` ->
  `TEXT`, `<list[Path]>` -> `PATH`, `<md|json>` -> `[md|json]`, `<int range>` -> `INTEGER RANGE`);
- an argument reads `NAME`, `[NAME]`, `NAME...` or `[NAME]...` in usage, from its declared
  metavar (or its name) however that was decorated.

Only public click attributes are set (`metavar`) and click's `get_usage_pieces` is replaced;
on typer 0.29 its `display_type_rich` too, the one place the Python type of an argument is
drawn. A typer without these draws its own help unchanged, and tests/cli/test_help.py renders
every command's help to catch whatever a new typer draws differently.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# typer 0.29's type names -> click's metavars.
_CLICK_NAMES = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "FLOAT",
    "bool": "BOOLEAN",
    "path": "PATH",
    "Path": "PATH",
    "file": "FILE",
    "dir": "DIRECTORY",
}


class _TidyParams:
    """Mixed into typer's command classes: their parameters get click's metavars before use."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            tidy_param(param, ctx)
        return params


class QaCommand(_TidyParams, TyperCommand):
    pass


class QaGroup(_TidyParams, TyperGroup):
    pass


class QaTyper(typer.Typer):
    """`typer.Typer` whose groups and commands show flags as flags (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", QaGroup)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any):
        return super().command(name, cls=cls or QaCommand, **kwargs)


def tidy_param(param: Any, ctx: Any) -> None:
    """Give `param` click's metavar for help and usage; once per parameter."""
    if getattr(param, "_qa_tidy", False):
        return
    param._qa_tidy = True
    if param.param_type_name == "option":
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""  # takes no value: shows none
        elif param.metavar is None and (label := _click_label(param, ctx)) is not None:
            param.metavar = label
    elif param.param_type_name == "argument":
        usage = argument_usage(param)
        label = _click_label(param, ctx)
        param.metavar = usage  # click's meaning: the argument's text in usage, as is
        param.get_usage_pieces = lambda ctx: [usage]
        if label is not None and hasattr(param, "display_type_rich"):
            param.display_type_rich = lambda ctx: label


def argument_usage(param: Any) -> str:
    """`TARGET`, `[TARGET]`, `TARGET...` or `[TARGET]...`, from the declared metavar or the name."""
    name = (param.metavar or param.name or "").strip("[]{}.").upper()
    if not param.required:
        name = f"[{name}]"
    return f"{name}..." if param.nargs != 1 else name


def _click_label(param: Any, ctx: Any) -> str | None:
    """The type that typer 0.27+ draws as `<list[Path]>`, as click's `PATH`; None where typer
    draws click's own metavar already."""
    draw = getattr(param, "display_type", None)  # typer 0.29
    if draw is None and param.param_type_name == "option":
        draw = getattr(param, "make_metavar", None)  # typer 0.27 and 0.28: `<str>`; click: `TEXT`
    try:
        label = str(draw(ctx)) if draw is not None else ""
    except Exception:  # another signature (click 8.1's make_metavar takes no ctx): leave typer's own
        return None
    return click_name(label) if label.startswith("<") and label.endswith(">") else None


def click_name(label: str) -> str:
    """`<str>` -> TEXT, `<list[Path]>` -> PATH, `<md|json>` -> [md|json], `<int range>` -> INTEGER RANGE."""
    inner = label.removeprefix("<").removesuffix(">")
    while inner.startswith("list[") and inner.endswith("]"):
        inner = inner[len("list[") : -1]
    if "|" in inner:
        return f"[{inner}]"
    return " ".join(_CLICK_NAMES.get(word, word.upper()) for word in inner.split())
