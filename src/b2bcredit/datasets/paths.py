"""Location of the public data sets.

The data sets are not shipped with the library. ``B2BCREDIT_DATA`` names their folder;
without it, a ``shared/data`` folder beside the project checkout is used, as laid out
for development.
"""

from __future__ import annotations

import os
from pathlib import Path

from b2bcredit.core.errors import NotFoundError

__all__ = ["DataFileNotFoundError", "data_root", "find_data_file"]

DATA_ENV_VAR = "B2BCREDIT_DATA"


class DataFileNotFoundError(NotFoundError, FileNotFoundError):
    """A public data file that is not on this machine."""


def data_root() -> Path:
    """Return the folder holding the public data sets (it may not exist)."""
    configured = os.environ.get(DATA_ENV_VAR)
    if configured:
        return Path(configured)
    candidates = [
        Path.cwd().parent / "shared" / "data",
        # src/b2bcredit/datasets/paths.py -> the checkout root is four levels up.
        Path(__file__).resolve().parents[3].parent / "shared" / "data",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def find_data_file(relative: str) -> Path:
    """Return the path of a data file such as ``polish_bankruptcy/5year.arff``.

    Raises:
        DataFileNotFoundError: the file is absent. The message names where to get it.
    """
    path = data_root() / relative
    if not path.is_file():
        raise DataFileNotFoundError(
            f"data file {relative} not found under {data_root()}. Download the public data "
            f"set (its SOURCE.txt names the origin) and set {DATA_ENV_VAR} to the folder "
            f"that contains {relative.split('/')[0]}/."
        )
    return path
