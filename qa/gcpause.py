"""The cyclic garbage collector paused while a stage builds many objects that hold no cycles.

CPython runs a collection every 700 new container objects, and a full one each time the
objects that survived grow by a quarter: the full ones walk every object alive, so a stage
that builds millions of them (markdown-it's tokens for 1 MB of `**a `, the blocks of 100,000
paragraphs, the numbers and findings of a paragraph of 300,000 numbers) spends a third to
half of its time in collections that find nothing: tokens, segments, pairs and findings
refer to each other without cycles and are freed by reference counting. Paused, the
collector runs again when the stage ends and collects whatever cycles it left.

Only the collector is paused, never memory freed: an object is freed as soon as nothing
refers to it, paused or not. Nesting is harmless (an inner pause finds the collector off and
leaves it off); so are threads (one that ends its pause turns the collector back on under
another: that one is slower, not wrong).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (or the decorated function)."""
    if not gc.isenabled():
        yield  # paused already, by an enclosing stage or by the caller
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
