"""Full decisions on the shipped default models match the pinned ones, single and batch.

A change to speed or structure must not change a decision. When a decision changes on
purpose (a refit, a policy change), rewrite the pinned file as ``tests/decisions/golden.py``
describes and review the diff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from b2bcredit.decisions.facade import Underwriter
from tests.decisions.golden import (
    POLISH_FILE,
    SBA_FILE,
    decision_record,
    demo_applications,
    load_golden,
    model_hashes,
    parsed_cases,
    polish_application_mappings,
    sba_application_mappings,
)

REGENERATE = "If the change is deliberate, run: B2BCREDIT_DATA=/path/to/data python -m tests.decisions.golden"


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return load_golden()


@pytest.fixture(scope="module")
def underwriter(golden: Mapping[str, Any]) -> Underwriter:
    underwriter = Underwriter.with_defaults()
    assert model_hashes(underwriter) == golden["models"], (
        f"the shipped default models differ from the ones the decisions were pinned on. {REGENERATE}"
    )
    return underwriter


def _cases(golden: Mapping[str, Any], source: str) -> list[Mapping[str, Any]]:
    return [case for case in golden["cases"] if case["source"] == source]


def _multiplier(case: Mapping[str, Any]) -> Decimal | None:
    text = case["limit_multiplier"]
    return None if text is None else Decimal(text)


def _differing_fields(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    return sorted(key for key in expected.keys() | actual.keys() if actual.get(key) != expected.get(key))


def _check_single_and_batch(
    underwriter: Underwriter, golden: Mapping[str, Any], source: str, mappings: Mapping[str, Any]
) -> None:
    cases = parsed_cases(_cases(golden, source), mappings)
    assert cases, f"no pinned {source} decisions. {REGENERATE}"
    for case, application in cases:
        single = decision_record(underwriter.underwrite(application, limit_multiplier=_multiplier(case)))
        differing = _differing_fields(single, case["decision"])
        assert not differing, f"{case['application_id']} (single): {differing} differ. {REGENERATE}"

    # Batch per multiplier, so each application is decided inside a batch of several.
    for multiplier in {_multiplier(case) for case, _ in cases}:
        group = [(case, application) for case, application in cases if _multiplier(case) == multiplier]
        batch = underwriter.decide_applications([a for _, a in group], limit_multiplier=multiplier)
        for (case, _), decision in zip(group, batch, strict=True):
            differing = _differing_fields(decision_record(decision), case["decision"])
            assert not differing, f"{case['application_id']} (batch): {differing} differ. {REGENERATE}"


def test_demo_decisions_match_pinned(underwriter: Underwriter, golden: Mapping[str, Any]) -> None:
    _check_single_and_batch(underwriter, golden, "demo", demo_applications())


@pytest.mark.realdata
def test_polish_decisions_match_pinned(
    underwriter: Underwriter, golden: Mapping[str, Any], data_file: Callable[[str], Path]
) -> None:
    data_file(POLISH_FILE)
    _check_single_and_batch(underwriter, golden, "polish", polish_application_mappings())


@pytest.mark.realdata
def test_sba_decisions_match_pinned(
    underwriter: Underwriter, golden: Mapping[str, Any], data_file: Callable[[str], Path]
) -> None:
    data_file(SBA_FILE)
    _check_single_and_batch(underwriter, golden, "sba", sba_application_mappings())


def test_mapping_and_parsed_application_agree(underwriter: Underwriter, golden: Mapping[str, Any]) -> None:
    """A mapping validated inside underwrite decides as the same application parsed first."""
    for case in _cases(golden, "demo"):
        mapping = demo_applications()[case["application_id"]]
        decision = underwriter.underwrite(mapping, limit_multiplier=_multiplier(case))
        assert decision_record(decision) == case["decision"], case["application_id"]
