"""Embed: the encoders behind drift, the embedding cache, and the windows long blocks are embedded in.

BUNDLED is the registry of encoders that install with qa and work offline: each is a module
of this package with NAME, DIMENSION, `cache_key() -> str` (what decides its vectors) and
`load(threads) -> Encoder`; a new one is its module and one line here. Any other model name
is a sentence-transformers model: a local folder, or a hub id where there is network
(qa/embed/encoders.py).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

DEFAULT_MODEL = "use-multilingual"

BUNDLED: dict[str, str] = {
    "use-multilingual": "use",
    "multilingual-e5-small": "e5",
}
"""Model name -> the module of this package that loads it (imported only when used)."""


def bundled(model: str) -> ModuleType | None:
    """The module of a bundled encoder, None for any other model."""
    module = BUNDLED.get(model)
    return None if module is None else import_module(f"{__name__}.{module}")
