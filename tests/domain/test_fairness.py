"""The fairness planner: hand-checked pain, city mixes, DST weeks, odd offsets, tracks and properties."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from bot.domain.errors import UserError
from bot.domain.fairness import Cadence, Participant, Problem, Track, Window, plan_online, plan_series, propose_slots, series_windows
from tests.tzdata_zones import tzdata_zone


def utc(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=timezone.utc)


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


def only_slot(people: tuple[Participant, ...], start: datetime, duration: int = 60):
    plan = plan_series(Problem(people, (Window(start, start + timedelta(minutes=15)),), duration_min=duration), track=Track.A)
    return {p.participant_id: (p.local_start.strftime("%H:%M"), p.pain_qp, p.worst_band) for p in plan.occurrences[0].slot.people}


def test_san_diego_cambridge_shanghai_bangalore_by_hand() -> None:
    people = (Participant("sd", "America/Los_Angeles"), Participant("cam", "Europe/London"),
              Participant("sha", "Asia/Shanghai"), Participant("blr", "Asia/Kolkata"))
    assert only_slot(people, utc(2026, 3, 4, 15)) == {
        "sd": ("07:00", 4, "shoulder"), "cam": ("15:00", 0, "work"), "sha": ("23:00", 40, "night"), "blr": ("20:30", 12, "early_late")}


def test_sydney_london_new_york_by_hand() -> None:
    people = (Participant("syd", "Australia/Sydney"), Participant("lon", "Europe/London"), Participant("nyc", "America/New_York"))
    assert only_slot(people, utc(2026, 3, 4, 21)) == {
        "syd": ("08:00", 4, "shoulder"), "lon": ("21:00", 12, "early_late"), "nyc": ("16:00", 0, "work")}


def test_dst_change_inside_a_meeting_uses_each_quarters_own_offset() -> None:
    # New York springs forward at 07:00 UTC on 2026-03-08: 01:30, 01:45, then 03:00, 03:15 local.
    early_bird = (Participant("n", "America/New_York", work_start=time(3), work_end=time(11), workdays=(1, 2, 3, 4, 5, 6, 7)),)
    assert only_slot(early_bird, utc(2026, 3, 8, 6, 30)) == {"n": ("01:30", 2, "shoulder")}


@pytest.mark.parametrize(("zone", "nine_am_utc"), [
    ("Asia/Kolkata", (2026, 3, 4, 3, 30)), ("Asia/Kathmandu", (2026, 3, 4, 3, 15)),
    ("America/St_Johns", (2026, 3, 4, 12, 30)), ("Pacific/Chatham", (2026, 3, 3, 19, 15)),
    ("Pacific/Chatham", (2026, 4, 7, 20, 15)),  # after Chatham leaves DST (+13:45 -> +12:45) on 2026-04-05
])
def test_odd_offsets_first_painless_start_is_local_nine(zone: str, nine_am_utc: tuple[int, ...]) -> None:
    start = utc(*nine_am_utc) - timedelta(hours=6)
    best = propose_slots(Problem((Participant("x", zone),), (Window(start, start + timedelta(hours=12)),)), count=1)[0]
    assert best.start_utc == utc(*nine_am_utc)
    assert best.people[0].local_start.strftime("%H:%M") == "09:00" and best.max_pain_qp == 0


@pytest.mark.parametrize("first", [utc(2026, 3, 4), utc(2026, 9, 30)])  # spring: US 03-08, EU 03-29, AU 04-05; autumn too
def test_dst_weeks_track_b_never_picks_an_avoidable_night(first: datetime) -> None:
    people = (*BBT, Participant("syd", "Australia/Sydney"), Participant("lon", "Europe/London"))
    problem = Problem(people, series_windows(Window(first, first + timedelta(days=1)), 8, Cadence.WEEKLY), duration_min=60)
    plan = plan_series(problem, track=Track.B)
    a = plan_series(problem, track=Track.A)
    assert (a.max_cum_qp, a.total_qp) <= (plan.max_cum_qp, plan.total_qp)
    for occurrence, window in zip(plan.occurrences, problem.windows):
        if not occurrence.slot.night_free:
            options = propose_slots(Problem(people, (window,), duration_min=60), track=Track.A, count=96, min_separation_min=0)
            assert not any(option.night_free for option in options)


def test_series_windows_follow_the_anchor_zone_across_dst() -> None:
    first = Window(utc(2026, 3, 4, 14), utc(2026, 3, 4, 22))  # 09:00-17:00 in New York (EST)
    windows = series_windows(first, 3, Cadence.WEEKLY, anchor_tz="America/New_York")
    assert [w.start for w in windows] == [utc(2026, 3, 4, 14), utc(2026, 3, 11, 13), utc(2026, 3, 18, 13)]
    monthly = series_windows(Window(utc(2026, 1, 31), utc(2026, 2, 1)), 2, Cadence.MONTHLY)
    assert monthly[1].start == utc(2026, 2, 28)


def test_online_replan_keeps_fixed_occurrences_and_counts_carried_pain() -> None:
    problem = Problem(BBT, series_windows(day_window(2026, 3, 4), 6, Cadence.WEEKLY), duration_min=60)
    fixed_start = utc(2026, 3, 4, 0)  # Tokyo 09:00, Boston 19:00, Basel 01:00
    plan = plan_series(problem, fixed={0: fixed_start}, carried_qp={"tok": 20})
    assert plan.starts_utc[0] == fixed_start and plan.occurrences[0].fixed
    assert plan.carried_qp["tok"] == 20 and plan.ledger_qp["tok"] >= 20
    with pytest.raises(UserError) as error:
        plan_series(problem, fixed={1: utc(2026, 3, 11, 0, 7)})
    assert error.value.field == "fixed[1]"
    online = plan_online(problem)
    assert len(online.starts_utc) == 6


def test_zone_clock_and_rows_agree_with_zoneinfo_around_transitions() -> None:
    from bot.domain.fairness.pain import ZoneClock, zone_row

    zones = ["America/New_York", "Europe/Zurich", "Australia/Sydney", "Pacific/Chatham", "America/St_Johns",
             "Europe/Dublin", "Australia/Lord_Howe", "Asia/Kathmandu", "Asia/Tehran", "Africa/Casablanca"]
    for zone in zones:
        clock = ZoneClock(zone)
        oracle = tzdata_zone(zone)
        for day in (utc(2026, 2, 14), utc(2026, 3, 7), utc(2026, 3, 21), utc(2026, 3, 28), utc(2026, 4, 4), utc(2026, 9, 19),
                    utc(2026, 10, 3), utc(2026, 10, 24), utc(2026, 10, 31), utc(2040, 3, 10), utc(2040, 10, 27)):
            instants = [day + quarter * timedelta(minutes=15) for quarter in range(0, 2 * 96)]
            rows = zone_row(clock, instants)
            for instant, (minute, weekday) in zip(instants, rows):
                local = instant.astimezone(oracle).replace(tzinfo=None)
                assert clock.local(instant) == local and (minute, weekday) == (local.hour * 60 + local.minute, local.isoweekday()), \
                    (zone, instant)
                assert clock.offset(instant) == instant.astimezone(oracle).utcoffset()
