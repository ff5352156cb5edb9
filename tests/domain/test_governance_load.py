"""An alliance's governance load: the figures count only decisions decided in the window, by the body that decided."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.governance_load import NO_BODY, DecisionPath, figures, figures_text, path_text

NOW = datetime(2027, 6, 30, 12, tzinfo=timezone.utc)


def test_the_figures_of_the_last_90_days() -> None:
    paths = [DecisionPath(1, ("JDC", "JSC"), 2, 1, 17, 23, NOW - timedelta(days=3)),
             DecisionPath(2, ("JSC",), 1, 0, 4, 9, NOW - timedelta(days=10)),
             DecisionPath(3, (), 1, 0, 2, 5, NOW - timedelta(days=20)),
             DecisionPath(4, ("JSC",), 1, 0, 3, 7, NOW - timedelta(days=91)),  # outside the window
             DecisionPath(5, ("JDC",), 1, 0, 1, 2, None)]  # still open
    load = figures(paths, NOW)
    assert load.decisions == 3 and load.per_body == (("JSC", 2), (NO_BODY, 1))
    assert load.escalated_share == 0.5 and load.median_business_days == 4 and load.interactions_per_decision == 37 / 3
    assert figures_text(load) == ("3 decisions (JSC 2, (no body) 1) · 50% of body decisions escalated · median 4 business days to decide"
                                  " · 12.3 interactions per decision")
    assert path_text(paths[0]) == "JDC → JSC · 2 rounds · 1 escalation · 17 business days · 23 interactions"
    assert path_text(paths[2]) == "1 round · 2 business days · 5 interactions"
    assert figures([], NOW).decisions == 0 and figures_text(figures([], NOW)) == "no decisions in the last 90 days"


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 400), st.integers(0, 60), st.integers(0, 200)), max_size=30))
def test_every_decision_in_the_window_is_counted_once(rows: list[tuple[int, int, int, int]]) -> None:
    paths = [DecisionPath(i, ("JDC", "JSC")[: b % 3], 1, b // 3, days, n, NOW - timedelta(days=age))
             for i, (b, age, days, n) in enumerate(rows)]
    load = figures(paths, NOW)
    inside = [p for p in paths if p.decided_at is not None and NOW - p.decided_at <= timedelta(days=90)]
    assert load.decisions == len(inside) == sum(n for _, n in load.per_body)
    if load.escalated_share is not None:
        assert 0 <= load.escalated_share <= 1
    if inside:
        assert min(p.business_days for p in inside) <= (load.median_business_days or 0) <= max(p.business_days for p in inside)
