"""Shared fixtures: the public data sets, skipped when absent except under CI."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from b2bcredit.datasets.paths import DataFileNotFoundError, find_data_file


def _require_data_file(relative: str) -> Path:
    try:
        return find_data_file(relative)
    except DataFileNotFoundError as error:
        # Under CI a missing file fails the run, so real-data tests never vanish silently.
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"missing data file under CI: {error}")
        pytest.skip(f"needs data file {relative}: {error}")


@pytest.fixture(scope="session")
def data_file() -> Callable[[str], Path]:
    """Return a function that resolves a data file or skips (fails under CI)."""
    return _require_data_file
