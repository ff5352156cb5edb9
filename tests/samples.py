"""Slack's recorded payloads and schemas, kept in the repository as fixtures (tests/fixtures/slack/).

Each file's source and licence are in tests/fixtures/slack/README.md.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "fixtures" / "slack"


def sample_path(*parts: str) -> Path:
    """A fixture file; a missing one is an error of the repository, never a reason to skip."""
    path = SAMPLES.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{path.relative_to(ROOT)} is not in the repository: copy it from Slack's recorded samples "
                                "and list its source in tests/fixtures/slack/README.md")
    return path
