"""Time-zone-fair meeting planning (MEETING-FAIRNESS.md): pure, the standard library only (zones from `bot.domain.tz`).

Public API (documented in FAIRNESS-API.md): build a `Problem`, then `propose_slots` for one
meeting or `plan_series` / `plan_online` for a series.
"""
from bot.domain.fairness.model import (
    BANDS,
    Cadence,
    PainModel,
    Participant,
    PersonTime,
    PlannedOccurrence,
    Problem,
    SeriesPlan,
    SlotOption,
    Track,
    Window,
    series_windows,
)
from bot.domain.fairness.solver import plan_online, plan_series, propose_slots

__all__ = [
    "BANDS", "Cadence", "PainModel", "Participant", "PersonTime", "PlannedOccurrence", "Problem", "SeriesPlan",
    "SlotOption", "Track", "Window", "plan_online", "plan_series", "propose_slots", "series_windows",
]
