"""`alliancebot meetings plan`: a tzfair-instance/1 file in, a tzfair-solution/1 file (or a table) out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

INSTANCE = {
    "format": "tzfair-instance/1", "name": "bbt_3w", "meeting": {"duration_min": 60, "granularity_min": 15},
    "organizer": "p01",
    "participants": [
        {"id": "p01", "name": "Boston", "org": "A", "tz": "America/New_York", "work_start": "09:00", "work_end": "17:00"},
        {"id": "p02", "name": "Basel", "org": "B", "tz": "Europe/Zurich", "work_start": "09:00", "work_end": "17:00"},
        {"id": "p03", "name": "Tokyo", "org": "C", "tz": "Asia/Tokyo", "work_start": "09:00", "work_end": "17:00"},
    ],
    "occurrences": [{"k": k, "window_start_utc": f"2026-03-{4 + 7 * k:02d}T00:00:00Z", "window_end_utc": f"2026-03-{5 + 7 * k:02d}T00:00:00Z"}
                    for k in range(3)],
}


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.parametrize("flags", [[], ["--track", "A"], ["--online"]])
def test_plan_prints_a_solution_with_one_start_per_occurrence(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    assert main(["meetings", "plan", write(tmp_path, INSTANCE), *flags]) == 0
    solution = json.loads(capsys.readouterr().out)
    assert solution["format"] == "tzfair-solution/1" and solution["instance"] == "bbt_3w"
    assert solution["track"] == ("A" if "A" in flags else "B")
    assert [s[:10] for s in solution["starts_utc"]] == ["2026-03-04", "2026-03-11", "2026-03-18"]


def test_table_shows_local_times_and_the_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meetings", "plan", write(tmp_path, INSTANCE), "--table"]) == 0
    out = capsys.readouterr().out
    assert "cumulative pain" in out and "max_cum" in out and "p03" in out
    assert "(max_cum proven optimal)" in out  # three people, three weeks: the exact path settles it


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["participants"][1].update(tz="Europe/Bassel"), "participants[1].tz"),
    (lambda d: d["participants"][0].update(work_start="9am"), "participants[0].work_start"),
    (lambda d: d["participants"][2].update(work_end="08:00"), "participants[2].work_end"),
    (lambda d: d["occurrences"][1].pop("window_end_utc"), "occurrences[1].window_end_utc"),
    (lambda d: d["meeting"].update(duration_min="long"), "meeting.duration_min"),
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d.update(organizer="p09"), "organizer"),
])
def test_invalid_input_names_the_field_and_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str], change, field: str) -> None:
    document = json.loads(json.dumps(INSTANCE))
    change(document)
    assert main(["meetings", "plan", write(tmp_path, document)]) == 2
    assert field in capsys.readouterr().err


def test_unreadable_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meetings", "plan", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{")
    assert main(["meetings", "plan", str(tmp_path / "bad.json")]) == 2
    assert "not valid JSON" in capsys.readouterr().err
