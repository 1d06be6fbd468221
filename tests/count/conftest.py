"""Hypothesis profiles for the count tests: modest examples so the suite stays fast."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "count", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("count-thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "count"))
