"""Search budgets counted in work, never in seconds, so the same input gives the same plan on any machine."""
from __future__ import annotations

# One unit is one elementary step of a search: in the exact DP, one field of one state extended; in
# the squeeze, one coordinate of one candidate move weighed; in the neighbourhood search, one per
# occurrence per try besides its DPs.
Vector = tuple[int, ...]


class Work:
    """A budget of work, counted in units that each take about the same time (0.1–0.3 µs on the 2-core
    machine of docs/benchmarks.md): in the exact DP, one state grown by one vector, one state through
    one axis of the dominance filter, and half a unit per field and class of each vector it sets up;
    in the squeeze, one coordinate of one candidate move weighed; in the neighbourhood search, one per
    occurrence per try besides its DPs. Never seconds: the same input gives the same plan on any
    machine, however fast or busy it is.

    `share(units)` is a part of this budget for one phase: at most `units`, and never more than is left
    here; what the part spends is spent here too."""

    __slots__ = ("_parent", "left")

    def __init__(self, units: int, parent: Work | None = None) -> None:
        self.left: int = units if parent is None else min(units, parent.left)
        self._parent = parent

    @classmethod
    def of(cls, budget: int | Work) -> Work:
        """`budget` itself when it is a Work, else a fresh budget of that many units."""
        return budget if isinstance(budget, Work) else cls(budget)

    def share(self, units: int) -> Work:
        """A part of this budget of at most `units`."""
        return Work(units, self)

    def spend(self, units: int) -> bool:
        """Spend `units`; whether the budget still holds (False once it has run out)."""
        work: Work | None = self
        while work is not None:
            work.left -= units
            work = work._parent
        return self.left >= 0

    @property
    def spent(self) -> bool:
        """Nothing is left."""
        return self.left <= 0
