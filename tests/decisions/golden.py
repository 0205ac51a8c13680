"""Pinned full decisions on the shipped default models, and the command that rewrites them.

``golden_decisions.json`` (beside this module) holds, for a few applications, every field
of ``Decision.to_dict()``: outcome, score, PD, limits and their detail, expected loss,
fee, reasons, adverse-action data and the input snapshot. The applications come from
three sources: the demo portfolio (shipped in the package), Polish 5year and the SBA loan
case study (the public data sets). The file stores each application's source and id,
never the data rows; the test rebuilds the applications from the data files.

The file pins every decision field, so a change that alters one must be deliberate.
After refitting the default models or changing a default policy, rewrite the file and
review its diff:

    B2BCREDIT_DATA=/path/to/data python -m tests.decisions.golden

Run it from the checkout root. It decides every row of both data sets and keeps the first
row of each kind of decision (model, outcome, counter-offer with or without a deposit,
limit state, first reason code and whether a fallback bin was used), so the pinned rows
cover every path the data reaches.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from b2bcredit.api.underwriting import BuyerApplication, parse_application
from b2bcredit.datasets.paths import find_data_file
from b2bcredit.datasets.polish import load_polish_arff
from b2bcredit.datasets.portfolio import polish_applications, sample_portfolio, sba_applications
from b2bcredit.datasets.sba import load_sba_csv
from b2bcredit.decisions.decision import Decision
from b2bcredit.decisions.facade import Underwriter
from b2bcredit.decisions.policy import Outcome

GOLDEN_FILE: Final = Path(__file__).with_name("golden_decisions.json")
POLISH_FILE: Final = "polish_bankruptcy/5year.arff"
SBA_FILE: Final = "sba_loans_case/SBAcase.11.13.17.csv"
APPLICATION_DATE: Final = "2024-06-03"
# A customer tier's credit-limit multiplier, pinned on the approved demo buyers.
TIER_MULTIPLIER: Final = Decimal("1.5")


def demo_applications() -> dict[str, dict[str, Any]]:
    """Return the demo portfolio's application mappings by application id."""
    return {a["application_id"]: a for a in sample_portfolio()}


def polish_application_mappings() -> dict[str, dict[str, Any]]:
    """Return every Polish 5year firm's application mapping by application id."""
    data = load_polish_arff(find_data_file(POLISH_FILE))
    return {a["application_id"]: a for a in polish_applications(data, APPLICATION_DATE)}


def sba_application_mappings() -> dict[str, dict[str, Any]]:
    """Return every SBA loan's application mapping by application id."""
    data = load_sba_csv(find_data_file(SBA_FILE))
    return {a["application_id"]: a for a in sba_applications(data, APPLICATION_DATE)}


def decision_record(decision: Decision) -> dict[str, Any]:
    """Return the decision as the JSON file stores it (tuples as lists, floats by repr)."""
    record: dict[str, Any] = json.loads(json.dumps(decision.to_dict()))
    return record


def model_hashes(underwriter: Underwriter) -> dict[str, str]:
    """Return each model's name and content hash."""
    return {model.name: model.content_hash for model in underwriter.models}


def decision_kind(decision: Decision) -> tuple[object, ...]:
    """Return the properties that distinguish one path through ``decide`` from another."""
    return (
        decision.model_name,
        decision.outcome.value,
        None if decision.counter_offer is None else decision.counter_offer.deposit.is_zero(),
        decision.granted_limit.state.value,
        decision.reasons[0].code if decision.reasons else None,
        bool(decision.fallback_features),
    )


def first_of_each_kind(decisions: Sequence[Decision]) -> list[str]:
    """Return the application ids of the first decision of each kind, in input order."""
    seen: set[tuple[object, ...]] = set()
    chosen = []
    for decision in decisions:
        kind = decision_kind(decision)
        if kind not in seen:
            seen.add(kind)
            chosen.append(decision.application_id)
    return chosen


def build_cases(underwriter: Underwriter) -> list[dict[str, Any]]:
    """Decide the demo buyers and one row of each kind from both data sets."""
    cases = []
    for application_id, mapping in demo_applications().items():
        decision = underwriter.underwrite(mapping)
        cases.append(_case("demo", application_id, None, decision))
        if decision.outcome is Outcome.APPROVED:
            multiplied = underwriter.underwrite(mapping, limit_multiplier=TIER_MULTIPLIER)
            cases.append(_case("demo", application_id, TIER_MULTIPLIER, multiplied))
    for source, mappings in (
        ("polish", polish_application_mappings()),
        ("sba", sba_application_mappings()),
    ):
        applications = [parse_application(m) for m in mappings.values()]
        decisions = underwriter.decide_applications(applications)
        by_id = {d.application_id: d for d in decisions}
        for application_id in first_of_each_kind(decisions):
            cases.append(_case(source, application_id, None, by_id[application_id]))
    return cases


def _case(source: str, application_id: str, multiplier: Decimal | None, decision: Decision) -> dict[str, Any]:
    return {
        "source": source,
        "application_id": application_id,
        "limit_multiplier": None if multiplier is None else str(multiplier),
        "decision": decision_record(decision),
    }


def load_golden() -> dict[str, Any]:
    """Return the pinned file's content."""
    content: dict[str, Any] = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    return content


def parsed_cases(
    cases: Sequence[Mapping[str, Any]], mappings: Mapping[str, Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], BuyerApplication]]:
    """Pair each pinned case with its application, validated from ``mappings``."""
    return [(case, parse_application(mappings[case["application_id"]])) for case in cases]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the pinned file from the shipped default models and default policies."""
    underwriter = Underwriter.with_defaults()
    content = {
        "regenerate": "B2BCREDIT_DATA=/path/to/data python -m tests.decisions.golden",
        "application_date": APPLICATION_DATE,
        "models": model_hashes(underwriter),
        "cases": build_cases(underwriter),
    }
    GOLDEN_FILE.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(content['cases'])} decisions to {GOLDEN_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
