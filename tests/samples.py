"""Where Slack's recorded payloads and schemas (the team's shared/slack-samples folder) are found."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MISSING = ("Slack's recorded samples are not beside this checkout (../shared/slack-samples); "
           "set ALLIANCEBOT_SLACK_SAMPLES to the folder")


def samples_dir() -> Path | None:
    """ALLIANCEBOT_SLACK_SAMPLES, else the nearest shared/slack-samples above the checkout."""
    configured = os.environ.get("ALLIANCEBOT_SLACK_SAMPLES")
    if configured:
        return Path(configured)
    for folder in ROOT.parents:
        if (folder / "shared" / "slack-samples").is_dir():
            return folder / "shared" / "slack-samples"
    return None


SAMPLES = samples_dir() or ROOT / "missing-slack-samples"


def sample_path(*parts: str) -> Path:
    """A file in the samples folder; the test is skipped (with the reason) when it is absent."""
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{MISSING}: {'/'.join(parts)} not found")
    return path
