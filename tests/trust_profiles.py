"""How hard the trust suite pushes: a short run by default, `ALLIANCEBOT_TRUST=deep` for the benchmark run.

The counts are per test; docs/reliability.md reports what each setting amounts to.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEEP = os.environ.get("ALLIANCEBOT_TRUST", "").lower() == "deep"
# The tests share one running app across examples on purpose: state leaking between examples is
# exactly what they look for (nothing may be created by any of them).
_common = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow], "database": None}
settings.register_profile("trust-ci", max_examples=700, **_common)
settings.register_profile("trust-deep", max_examples=20_000, **_common)
FORGERY = settings.get_profile("trust-deep" if DEEP else "trust-ci")
# Fuzzing goes through the Slack double over a real transport, so each example costs milliseconds.
FUZZ_ROUNDS = 400 if DEEP else 40
