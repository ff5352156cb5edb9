"""The bridge from a meeting request to the fair-slot solver (`bot.domain.fairness`, from f-fairness)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.errors import UserError
from bot.domain.meetings import MeetingRequest, WorkingHours


def propose(request: MeetingRequest, hours: Mapping[str, WorkingHours], ledger: Mapping[str, int], organizer: str) -> dict[str, Any]:
    """The proposal to store and show: 2–4 slots, each person's pain per occurrence, the summary."""
    raise UserError("The fair-slot planner is not installed yet; use `/meeting add` for meetings you schedule elsewhere.")
