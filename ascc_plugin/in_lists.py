"""SQLAlchemy statements with an ``IN`` list, built once per list width (hub and store alike)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import BindParameter, bindparam

S = TypeVar("S")


class InList(Generic[S]):
    """A statement with an ``IN`` list of bound parameters, built once per list width.

    An ``IN`` of a Python list (or an expanding bind) is rendered again at every execution; here
    the values are padded to the next of :data:`WIDTHS` (repeating the last, which changes no
    answer) so each execution finds its compiled form in SQLAlchemy's cache. Longer lists are
    queried in batches of the widest.
    """

    WIDTHS = (1, 2, 4, 8, 16, 32)

    def __init__(self, build: Callable[[list[BindParameter[Any]]], S]) -> None:
        self.built = {
            width: build([bindparam(f"in_{n}") for n in range(width)]) for width in self.WIDTHS
        }

    def batches(self, values: Sequence[Any]) -> Iterator[tuple[S, dict[str, Any]]]:
        """``(statement, parameters)`` per batch of at most the widest width of ``values``."""
        widest = self.WIDTHS[-1]
        for start in range(0, len(values), widest):
            chunk = list(values[start : start + widest])
            width = next(w for w in self.WIDTHS if w >= len(chunk))
            chunk += chunk[-1:] * (width - len(chunk))
            yield self.built[width], {f"in_{n}": value for n, value in enumerate(chunk)}
