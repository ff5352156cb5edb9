"""The concerns register in a later round's message, the revise form and the export: valid Block Kit at any size, and
a concern that blocked the previous round always shown."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.concerns import Concern, ConcernStatus
from bot.domain.consensus import Decision, Level, Outcome
from bot.slack_edge.blockkit import check_message, check_view
from bot.views import concerns as concern_views
from bot.views import consensus as views
from bot.views.consensus_export import export_record, to_csv
from bot.views.ids import Block
from tests.slack_double.blockkit import validate_blocks, validate_view
from tests.views.test_consensus_views import T0, decision

OPEN, ADDRESSED = ConcernStatus.OPEN, ConcernStatus.ADDRESSED


def concern(id_: int, round_: int, level: Level, text: str, status: ConcernStatus = OPEN, answered_in: int | None = None,
            partners: tuple[str, ...] = ("Beta",)) -> Concern:
    return Concern(id_, round_, text, level, partners, ("UB1",), status, answered_in)


def section_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def round_two(*register: Concern, status: str = "open", anonymous: bool = False) -> Decision:
    return replace(decision(rounds=2, status=status, outcome=Outcome.NO_CONSENSUS if status == "closed" else None),
                   concerns=register, anonymous=anonymous)


def test_round_two_shows_the_concerns_it_answers_and_those_still_open() -> None:
    d = round_two(concern(1, 1, Level.BLOCK, "IP <scope> & terms", ADDRESSED, 2), concern(2, 1, Level.ACCEPT, "Cost", partners=()),
                  concern(3, 1, Level.WONT_BLOCK, "Timeline", ConcernStatus.ASSUMPTION))
    text, blocks = views.decision_message(d, T0 + timedelta(days=4))
    check_message(text, blocks)
    shown = section_text(blocks)
    assert "*Answers:*\n• *Block* · Beta · round 1: IP &lt;scope&gt; &amp; terms\n*Still open:*\n• *Accept* · round 1: Cost" in shown
    assert "Timeline" not in shown  # an assumption is neither answered nor open
    # Round 1's message, and a round without earlier concerns, say nothing of the register.
    assert "Answers" not in str(views.decision_message(replace(d, rounds=d.rounds[:1], round_number=1), T0)[1])
    assert "Still open" not in str(views.decision_message(round_two(), T0)[1])


@pytest.mark.parametrize(("count", "length"), [(1, 2000), (12, 300), (40, 2000), (400, 2000), (3000, 40)])
def test_a_crowded_register_stays_inside_slacks_limits_and_keeps_the_last_rounds_blocks(count: int, length: int) -> None:
    register = [concern(i, 1, Level.ACCEPT if i % 3 else Level.WONT_BLOCK, f"{i:05d} " + "c" * length) for i in range(count)]
    blocks_of_round_one = [concern(10_000 + i, 1, Level.BLOCK, f"block {i} " + "b" * 1990, ADDRESSED if i % 2 else OPEN, 2) for i in range(3)]
    d = round_two(*register, *blocks_of_round_one, status="closed")
    text, blocks = views.decision_message(d, T0 + timedelta(days=4))
    check_message(text, blocks)
    validate_blocks(blocks, 50)
    shown = section_text(blocks)
    assert all(f"block {i} " in shown for i in range(3))
    shown_others = sum(f"{i:05d} " in shown for i in range(count))
    if shown_others < count:
        assert f"…and {count - shown_others} more" in shown


def test_the_revise_form_ticks_open_concerns_ten_to_a_group() -> None:
    register = [concern(i, 1 + i % 2, Level.BLOCK if i % 4 == 0 else Level.ACCEPT, f"concern {i} " + "x" * 200) for i in range(63)]
    register.append(concern(99, 1, Level.BLOCK, "answered already", ADDRESSED, 2))
    d = replace(decision(rounds=2, status="closed", outcome=Outcome.NO_CONSENSUS), concerns=tuple(register))
    form = views.revise_modal(d)
    check_view(form)
    validate_view(form)
    groups = [b for b in form["blocks"] if str(b.get("block_id", "")).startswith(Block.CONCERNS_ANSWERED)]
    assert len(groups) == 5 and all(len(g["element"]["options"]) == 10 for g in groups)
    assert groups[0]["label"]["text"] == "This round answers (concerns 1–10)"
    assert "13 more open concerns are not listed here" in str(form["blocks"])
    assert "answered already" not in str(groups) and "Still open from earlier rounds" in str(form["blocks"])
    first = groups[0]["element"]["options"][0]
    assert first["text"]["text"].startswith("Block: concern 0") and first["description"]["text"] == "Raised in round 1 · Beta"
    # A form without open concerns has no checkboxes at all.
    assert not concern_views.answer_inputs(replace(d, concerns=(register[-1],)))


def test_the_ticked_concerns_are_read_back_and_forged_values_ignored() -> None:
    values = {f"{Block.CONCERNS_ANSWERED}_0": ["3", "7", "3"], f"{Block.CONCERNS_ANSWERED}_1": ["12", "x", "²", "-1", "9" * 40],
              Block.REVISED_PROPOSAL: "text", f"{Block.CONCERNS_ANSWERED}_2": "not a list"}
    assert concern_views.answered(values) == (3, 7, 12)


def test_the_export_carries_the_register_and_an_anonymous_one_names_nobody() -> None:
    register = (concern(1, 1, Level.BLOCK, "IP scope", ADDRESSED, 2), concern(2, 1, Level.ACCEPT, "Cost"))
    named = export_record(round_two(*register), [])
    assert named["concerns_register"][0] == {"round": 1, "level": "block", "partners": ["Beta"], "concern": "IP scope",
                                             "status": "addressed", "addressed_in_round": 2, "raised_by": ["UB1"]}
    anonymous = export_record(round_two(*(replace(c, partners=(), raised_by=None) for c in register), anonymous=True), [])
    assert "raised_by" not in json.dumps(anonymous["concerns_register"]) and "UB1" not in json.dumps(anonymous["concerns_register"])
    assert to_csv([anonymous]).splitlines()[0].endswith(",concerns_register")
    record = {**named, "rounds": [{"round": 1, "proposal": "p", "started_at": None, "ended_at": None, "voted": {"total": 0, "by_partner": {}},
                                   "votes": None, "votes_by_partner": None, "concerns": None}]}
    [row] = list(csv.DictReader(io.StringIO(to_csv([record]))))
    assert row["concerns_register"] == "block (Beta): IP scope [addressed in round 2] | accept (Beta): Cost [open]"
