"""The documentation stays true: the planner example runs and the page shows what it produces."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
import pytz

from bot.cli import main
from bot.domain.fairness import Track
from bot.domain.fairness.formats import read_instance
from bot.domain.fairness.metrics import evaluate
from bot.domain.fairness.solver import prepare

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "instance.json"
FORMATS = ROOT / "docs" / "formats.md"


def utc(text: str) -> datetime:
    return pytz.utc.localize(datetime.fromisoformat(text.removesuffix("Z")))


# -- the planner example ------------------------------------------------------------------------

def test_the_example_instance_plans_into_a_solution(capsys: pytest.CaptureFixture[str]) -> None:
    instance = json.loads(EXAMPLE.read_text())
    assert main(["meetings", "plan", str(EXAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # its offsets_min agree with the tz database: no warnings
    solution = json.loads(out)
    assert solution["format"] == "tzfair-solution/1"
    assert solution["instance"] == instance["name"] and solution["track"] == "B"
    assert len(solution["starts_utc"]) == len(instance["occurrences"])
    for start, occurrence in zip(solution["starts_utc"], instance["occurrences"]):
        assert utc(occurrence["window_start_utc"]) <= utc(start) < utc(occurrence["window_end_utc"])


def test_the_example_table_shows_everyone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meetings", "plan", str(EXAMPLE), "--table"]) == 0
    out = capsys.readouterr().out
    assert "cumulative pain" in out and "max_cum" in out
    assert all(person["id"] in out for person in json.loads(EXAMPLE.read_text())["participants"])


def test_the_solution_shown_in_formats_md_is_valid_and_scores_as_the_page_says() -> None:
    # The planner may pick other starts of equal quality; what the page shows must stay a valid
    # schedule of the example whose max_cum and total are the ones it prints.
    page = FORMATS.read_text()
    shown = json.loads(re.search(r"```json\n(\{.*?\"tzfair-solution/1\".*?\})\n```", page, re.S).group(1))  # type: ignore[union-attr]
    max_cum, total = (float(x) for x in re.search(r"^max_cum (\S+)  total (\S+)", page, re.M).groups())  # type: ignore[union-attr]
    problem, _ = read_instance(json.loads(EXAMPLE.read_text()))
    metrics = evaluate(prepare(problem), [utc(s) for s in shown["starts_utc"]], Track(shown["track"]))
    assert (metrics["max_cum"], metrics["total"]) == (max_cum, total)

