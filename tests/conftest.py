"""Shared pytest set-up: a seeded rng and a reproducible Hypothesis profile."""

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Derandomised so that CI and every developer see the same examples; no deadline because a
# 2-core CI machine under load would make timing-based failures flaky.
settings.register_profile(
    "course",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")


@pytest.fixture
def rng():
    """A fresh, seeded generator per test."""
    return np.random.default_rng(20261123)
