"""Every recorded Slack fixture in the repository names its source, and every named one is there."""
from __future__ import annotations

import json
import re

from tests.samples import SAMPLES


def test_every_fixture_is_listed_with_its_source_and_every_listed_one_exists() -> None:
    listed = set(re.findall(r"^\| `([^`]+)` \| \S", (SAMPLES / "README.md").read_text(), flags=re.M))
    present = {path.relative_to(SAMPLES).as_posix() for path in SAMPLES.rglob("*") if path.is_file() and path.name != "README.md"}
    assert present - listed == set(), "fixtures without a source row in tests/fixtures/slack/README.md"
    assert listed - present == set(), "rows in tests/fixtures/slack/README.md whose file is missing"


def test_every_fixture_is_json() -> None:
    for path in SAMPLES.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
