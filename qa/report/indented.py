"""`json.dumps(value, ensure_ascii=False, indent=2)`, the same text, faster.

With an indent, the standard library leaves its C encoder for the pure-Python one, whose
nested generators hand every piece of text up through each level: the JSON report of a
document of 100,000 blocks (a dict per pair and per finding, 40-80 MB) took 2-3 s that way.
Here containers are walked by plain recursion into one list of pieces, each key's text with
its indent is made once per level, and strings go through the C function json uses for them.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

_INDENT = "  "
_CONSTANTS = {None: "null", True: "true", False: "false"}


def dumps_indented(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)`: dicts, lists and tuples, strings,
    ints, floats, booleans and None (subclasses as json writes them); anything else is a
    TypeError, as there."""
    writer = _Writer()
    writer.encode(value, "\n")
    return "".join(writer.pieces)


class _Writer:
    """The pieces of one text, and per indent `newline + indent + "key": ` of each str key
    met: the keys of a report repeat in every pair and finding."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.heads: dict[str, dict[str, str]] = {}

    def encode(self, value: Any, newline: str) -> None:
        """Append the text of `value`, whose lines after its first start with `newline`'s
        indent. Types are tried in json's order: a str subclass is a string, a bool is not an
        int, an int subclass is a number."""
        if isinstance(value, str):
            self.pieces.append(encode_basestring(value))
        elif value is None or value is True or value is False:
            self.pieces.append(_CONSTANTS[value])
        elif isinstance(value, int):
            self.pieces.append(int.__repr__(value))
        elif isinstance(value, float):
            self.pieces.append(_float(value))
        elif isinstance(value, list | tuple):
            self.encode_list(value, newline)
        elif isinstance(value, dict):
            self.encode_dict(value, newline)
        else:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    def encode_dict(self, value: dict[Any, Any], newline: str) -> None:
        pieces = self.pieces
        if not value:
            pieces.append("{}")
            return
        inner = newline + _INDENT
        heads = self.heads.setdefault(inner, {})
        append = pieces.append
        append("{")
        for key, item in value.items():
            head = heads.get(key) if type(key) is str else None
            if head is None:
                head = inner + _key(key) + ": "
                if type(key) is str:
                    heads[key] = head
            append(head)
            kind = type(item)
            # The common values written here, a call less each: a report is mostly flat dicts.
            if kind is str:
                append(encode_basestring(item))
            elif kind is int:
                append(int.__repr__(item))
            elif item is None:
                append("null")
            else:
                self.encode(item, inner)
            append(",")
        pieces[-1] = newline + "}"  # in place of the last item's comma

    def encode_list(self, value: list[Any] | tuple[Any, ...], newline: str) -> None:
        pieces = self.pieces
        if not value:
            pieces.append("[]")
            return
        inner = newline + _INDENT
        append = pieces.append
        append("[")
        for item in value:
            append(inner)
            self.encode(item, inner)
            append(",")
        pieces[-1] = newline + "]"  # in place of the last item's comma


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json writes it: a string, or a float, bool, None or int made one."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        text = _float(key)
    elif key is True or key is False or key is None:
        text = _CONSTANTS[key]
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return encode_basestring(text)
