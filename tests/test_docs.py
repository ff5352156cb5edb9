"""The documentation stays true: the planner example runs, and every relative link leads somewhere."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest

from bot.cli import main
from bot.domain.fairness import Track
from bot.domain.fairness.formats import read_instance
from bot.domain.fairness.metrics import evaluate
from bot.domain.fairness.solver import prepare

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "instance.json"
FORMATS = ROOT / "docs" / "formats.md"

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
INLINE_LINK = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=timezone.utc)


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


# -- links ----------------------------------------------------------------------------------------

def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every anchor the headings of a Markdown file give (a repeated heading gets -1, -2, …)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(markdown: str) -> list[str]:
    """Link targets outside code blocks and code spans: inline links, images, reference definitions."""
    prose = CODE_SPAN.sub("", FENCE.sub("", markdown))
    return INLINE_LINK.findall(prose) + REFERENCE.findall(prose)


def broken_links(path: Path, root: Path) -> list[str]:
    """The relative links of `path` that lead to no file or folder inside `root`, or to no heading."""
    problems = []
    for target in links(path.read_text(encoding="utf-8")):
        if not target or SCHEME.match(target):
            continue  # web and mail addresses are not checked here
        file_part, _, anchor = target.partition("#")
        file_part = unquote(file_part.split("?")[0])
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{path.name}: {target} leads outside the repository")
        elif not resolved.exists():
            problems.append(f"{path.name}: {target} does not exist")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text(encoding="utf-8")):
            problems.append(f"{path.name}: {target} names no heading of {resolved.name}")
    return problems


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(path: Path) -> None:
    assert broken_links(path, ROOT) == []


# The team folder that used to sit beside the checkout (spelled in pieces so that this test is not
# itself a reference to it).
TEAM_FOLDER = "/".join(("..", "shared"))


def test_the_docs_point_at_nothing_outside_the_repository() -> None:
    for path in documents():
        assert TEAM_FOLDER not in path.read_text(encoding="utf-8"), path.name


def test_the_link_check_catches_broken_links(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## Back up the `database`\n\n## Back up the `database`\n")
    (tmp_path / "README.md").write_text(
        "# Read me\n\n"
        "[fine](docs/guide.md) [fine too](docs/guide.md#back-up-the-database-1) [here](#read-me) [web](https://example.com)\n"
        "[gone](docs/missing.md) and ![picture](docs/picture.png)\n"
        "[no such heading](docs/guide.md#restore) and [no anchor here](#nowhere)\n"
        "[outside](../elsewhere/DESIGN.md)\n\n"
        "[ref]: docs/old.md\n\n"
        "```\n[inside a code block](docs/ignored.md)\n```\n"
        "and `[in a code span](docs/ignored-too.md)`\n")
    assert broken_links(tmp_path / "README.md", tmp_path) == [
        "README.md: docs/missing.md does not exist",
        "README.md: docs/picture.png does not exist",
        "README.md: docs/guide.md#restore names no heading of guide.md",
        "README.md: #nowhere names no heading of README.md",
        "README.md: ../elsewhere/DESIGN.md leads outside the repository",
        "README.md: docs/old.md does not exist",
    ]
