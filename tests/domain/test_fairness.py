"""The fairness planner: hand-checked pain, city mixes, DST weeks, odd offsets, tracks and properties."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytz
import pytest

from bot.domain.errors import UserError
from bot.domain.fairness import Cadence, Participant, Problem, Track, Window, plan_online, plan_series, propose_slots, series_windows


def utc(*args: int) -> datetime:
    return pytz.utc.localize(datetime(*args))


def day_window(*args: int) -> Window:
    return Window(utc(*args), utc(*args) + timedelta(days=1))


BBT = (Participant("bos", "America/New_York"), Participant("bas", "Europe/Zurich"), Participant("tok", "Asia/Tokyo"))


def test_single_meeting_slots_show_local_time_and_pain() -> None:
    slots = propose_slots(Problem(BBT, (day_window(2026, 3, 4),), duration_min=60), track=Track.A)
    best = slots[0]
    # 12:00 UTC: Boston 07:00 (shoulder, 1), Basel 13:00 (work), Tokyo 21:00 (late, 3) -> max 3 is the best possible.
    assert best.max_pain_qp == 12
    assert [p.local_start.strftime("%H:%M") for p in best.people] == ["07:00", "13:00", "21:00"]
    assert all(abs(a.start_utc - b.start_utc) >= timedelta(hours=1) for a in slots for b in slots if a is not b)


def test_series_plan_has_one_start_per_window_and_a_ledger() -> None:
    windows = series_windows(day_window(2026, 3, 4), 8, Cadence.WEEKLY)
    plan = plan_series(Problem(BBT, windows, duration_min=60))
    assert len(plan.starts_utc) == 8
    assert all(w.start <= s < w.end for w, s in zip(windows, plan.starts_utc))
    assert plan.ledger_qp == plan.occurrences[-1].cumulative_qp
    assert plan.max_cum_qp == max(plan.ledger_qp.values())


def test_unknown_zone_names_the_field() -> None:
    with pytest.raises(UserError) as error:
        Participant("x", "Mars/Olympus")
    assert error.value.field == "tz"
