"""Applications, policy outcomes and the Underwriter facade, single and batch."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from b2bcredit.api.underwriting import InvalidApplicationError, parse_application
from b2bcredit.cli.underwrite import describe_limit, summary
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.datasets.portfolio import sample_portfolio
from b2bcredit.decisions.facade import ModelFeaturesNotSuppliedError, Underwriter
from b2bcredit.decisions.features import application_features
from b2bcredit.decisions.policy import Outcome, UnderwritingPolicy
from b2bcredit.limits.policy import CreditLimit, LimitState


@pytest.fixture(scope="module")
def underwriter() -> Underwriter:
    return Underwriter.with_defaults()


def _application(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(sample_portfolio()[1])
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("firmographics__employees", -1, "firmographics.employees"),
        ("firmographics__annual_revenue", "100.00 XYZ", "firmographics.annual_revenue"),
        ("firmographics__naics_code", "1", "firmographics.naics_code"),
        ("firmographics__naics_code", "1234567", "firmographics.naics_code"),
        ("firmographics__founding_date", "2030-01-01", "firmographics.founding_date"),
        ("firmographics__country", "XX", "firmographics.country"),
    ],
)
def test_invalid_application_names_field(path: str, value: Any, field: str) -> None:
    """Invalid values raise an error that names the field and the value."""
    with pytest.raises(InvalidApplicationError) as caught:
        parse_application(_application(**{path: value}))
    assert caught.value.field.startswith(field.split(".")[0])
    assert field in str(caught.value)


def test_mixed_currencies_rejected() -> None:
    """An amount in another currency than the requested limit raises."""
    with pytest.raises(InvalidApplicationError, match="exchange rate"):
        parse_application(_application(trade_history__average_monthly_purchases="10.00 USD"))


def test_decision_carries_required_fields(underwriter: Underwriter) -> None:
    """A decision records versions, hash, EL, limits and a snapshot."""
    decision = underwriter.underwrite(_application())
    assert decision.model_version
    assert decision.policy_version == "default-2"
    assert len(decision.model_hash) == 64
    assert decision.requested_limit == Money("50000.00", "EUR")
    assert decision.input_snapshot.application_id == "demo-2"
    assert decision.lgd == 0.45


def test_knock_outs_decline(underwriter: Underwriter) -> None:
    """Status, sanctions and fraud knock out whatever the score."""
    for changes, code in [
        ({"firmographics__status": "closed"}, "KO_STATUS"),
        ({"sanctions_hit": True}, "KO_SANCTIONS"),
        ({"fraud_suspected": True}, "KO_FRAUD"),
        ({"firmographics__years_in_business": 0.2}, "KO_YEARS_IN_BUSINESS"),
    ]:
        decision = underwriter.underwrite(_application(**changes))
        assert decision.outcome is Outcome.DECLINED
        assert decision.reasons[0].code == code
        assert decision.granted_limit.state is LimitState.NOT_UNDERWRITTEN


def test_adverse_action_notice(underwriter: Underwriter) -> None:
    """A decline carries the notice deadline 30 days on and the small-business flag."""
    decision = underwriter.underwrite(
        _application(sanctions_hit=True, firmographics__annual_revenue="900000.00 EUR")
    )
    notice = decision.adverse_action
    assert notice is not None
    assert notice.deadline == date(2024, 7, 3)
    assert notice.revenue_at_most_threshold is True
    assert notice.reasons


def test_cutoffs_and_counter_offer() -> None:
    """A PD in the counter-offer band approves a smaller limit with shorter terms and a deposit."""
    base = Underwriter.with_defaults()
    pd = base.underwrite(_application()).pd
    strict = Underwriter.with_defaults(
        policy=UnderwritingPolicy(approve_max_pd=pd / 4, counter_offer_max_pd=pd * 2, refer_max_pd=pd * 3)
    )
    decision = strict.underwrite(_application())
    assert decision.outcome is Outcome.APPROVED
    assert decision.counter_offer is not None
    assert decision.counter_offer.terms_days == 30
    assert decision.counter_offer.deposit.is_positive()
    assert decision.counter_offer.basis.startswith(f"PD {pd:.2%} is above the approval cut-off")
    declined = Underwriter.with_defaults(
        policy=UnderwritingPolicy(approve_max_pd=pd / 4, counter_offer_max_pd=pd / 3, refer_max_pd=pd / 2)
    )
    assert declined.underwrite(_application()).outcome is Outcome.DECLINED
    referred = Underwriter.with_defaults(
        policy=UnderwritingPolicy(approve_max_pd=pd / 4, counter_offer_max_pd=pd / 2, refer_max_pd=pd * 2)
    )
    assert referred.underwrite(_application()).outcome is Outcome.REFERRED


@pytest.mark.parametrize(
    ("pd", "counter_offers", "outcome"),
    [
        (0.04, True, Outcome.APPROVED),
        (0.08, True, Outcome.APPROVED),
        (0.08, False, Outcome.REFERRED),
        (0.15, True, Outcome.REFERRED),
        (0.25, True, Outcome.DECLINED),
    ],
)
def test_pd_bands_rise_in_risk(pd: float, counter_offers: bool, outcome: Outcome) -> None:
    """Approve, counter-offer, refer, decline: a riskier PD never gets credit a safer one waits for."""
    base_pd = Underwriter.with_defaults().underwrite(_application()).pd
    # Scale the default cut-offs (5, 10 and 20 %) so the application's PD sits where pd would.
    scale = base_pd / pd
    shifted = UnderwritingPolicy(
        counter_offers=counter_offers,
        approve_max_pd=0.05 * scale,
        counter_offer_max_pd=0.10 * scale,
        refer_max_pd=min(0.20 * scale, 1.0),
    )
    decision = Underwriter.with_defaults(policy=shifted).underwrite(_application())
    assert decision.outcome is outcome
    if pd == 0.08 and counter_offers:
        assert decision.counter_offer is not None
        assert decision.counter_offer.deposit.is_positive()
    else:
        assert decision.counter_offer is None or decision.counter_offer.deposit.is_zero()


def test_expected_loss_is_pd_lgd_ead(underwriter: Underwriter) -> None:
    """EL equals PD x LGD x EAD to the cent."""
    decision = underwriter.underwrite(_application())
    from b2bcredit.decisions.pricing import expected_loss

    assert decision.expected_loss == expected_loss(decision.ead, decision.pd, decision.lgd)


def test_single_and_batch_decisions_agree(underwriter: Underwriter) -> None:
    """underwrite and underwrite_batch give identical decisions for every sample buyer."""
    portfolio = sample_portfolio()
    batch = underwriter.underwrite_batch(portfolio)
    for record, from_batch in zip(portfolio, batch, strict=True):
        single = underwriter.underwrite(record)
        assert single.to_dict() == from_batch.to_dict()


def test_batch_from_csv_and_dataframe(underwriter: Underwriter, tmp_path: Path) -> None:
    """A flat CSV and a DataFrame of the same rows give the same decisions."""
    pandas = pytest.importorskip("pandas")
    rows = [
        {
            "application_id": "f1",
            "application_date": "2024-06-03",
            "legal_name": "Flat GmbH",
            "country": "DE",
            "employees": 12,
            "years_in_business": 6,
            "currency": "EUR",
            "total_assets": "500000.00",
            "total_liabilities": "300000.00",
            "current_assets": "200000.00",
            "current_liabilities": "120000.00",
            "equity": "200000.00",
            "sales": "900000.00",
            "net_profit": "20000.00",
            "requested_limit": "20000.00",
            "months_of_history": 12,
            "average_monthly_purchases": "8000.00",
        }
    ]
    frame = pandas.DataFrame(rows)
    path = tmp_path / "apps.csv"
    frame.to_csv(path, index=False)
    from_csv = underwriter.underwrite_batch(path)
    from_frame = underwriter.underwrite_batch(frame)
    from_records = underwriter.underwrite_batch(rows)
    assert from_csv[0].score == from_frame[0].score == from_records[0].score
    assert from_csv[0].granted_limit == from_frame[0].granted_limit


def test_zero_limit_never_unlimited(underwriter: Underwriter) -> None:
    """A buyer whose methods size zero gets PREPAY_ONLY and a decline, never an unlimited line."""
    data = _application(financials={"equity": "-10.00 EUR", "total_assets": "100.00 EUR"})
    data.pop("trade_history")
    decision = underwriter.underwrite(data)
    assert decision.granted_limit.state is not LimitState.UNLIMITED


def test_limit_zero_names_method_and_input() -> None:
    """R_LIMIT_ZERO names the method and the input that sized the credit line at zero."""
    # The buyer's PD would be referred or declined; a policy that does neither sizes a limit.
    underwriter = Underwriter.with_defaults(policy=UnderwritingPolicy(counter_offer_max_pd=1.0, refer_max_pd=1.0))
    data = _application(financials={"equity": "-120000.00 EUR", "total_assets": "900000.00 EUR"})
    data.pop("trade_history")
    decision = underwriter.underwrite(data)
    assert decision.outcome is Outcome.DECLINED
    reason = decision.reasons[0]
    assert reason.code == "R_LIMIT_ZERO"
    assert reason.text == (
        "the credit line is 0 (prepayment only) because tangible net worth is -120000.00 EUR, "
        "so the net-worth method gives 0"
    )
    assert reason.value == "-120000.00 EUR"


def test_limit_zero_from_counter_offer_share() -> None:
    """A counter-offer whose share of the limit rounds to zero names the share and the step."""
    policy = UnderwritingPolicy(approve_max_pd=0.0, counter_offer_max_pd=1.0, refer_max_pd=1.0)
    underwriter = Underwriter.with_defaults(policy=policy)
    data = _application(trade_history={"months_of_history": 24, "average_monthly_purchases": "100.00 EUR"})
    data.pop("financials")
    decision = underwriter.underwrite(data)
    reason = decision.reasons[0]
    assert reason.code == "R_LIMIT_ZERO"
    assert "the counter-offer limit, 0.5 of the sized 100.00 EUR, rounds down to 0 at the step of 100" in reason.text
    assert reason.value == "100.00 EUR"


def test_policy_round_trip_and_unknown_key() -> None:
    """A policy survives to_dict/from_dict, and an unknown key raises naming it."""
    policy = UnderwritingPolicy(version="2024-06", approve_max_pd=0.03)
    assert UnderwritingPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(InvalidInputError, match="unknown policy keys"):
        UnderwritingPolicy.from_dict({"aprove_max_pd": 0.1})


def test_policy_rejects_unordered_cutoffs() -> None:
    """Cut-offs must ascend from approve through counter-offer to refer."""
    with pytest.raises(InvalidInputError, match="ascending"):
        UnderwritingPolicy(approve_max_pd=0.05, counter_offer_max_pd=0.2, refer_max_pd=0.1)


def _bare_application(**fields: Any) -> dict[str, Any]:
    """An application with no statements, history or firmographic features: nothing to score."""
    return {
        "application_id": "bare",
        "application_date": "2024-06-03",
        "firmographics": {"legal_name": "Bare Sp. z o.o.", "country": "PL"},
        "requested_limit": "30000.00 PLN",
        **fields,
    }


def test_no_features_refers_insufficient_data(underwriter: Underwriter) -> None:
    """An application with none of any model's features is referred, not scored on Missing bins."""
    decision = underwriter.underwrite(_bare_application())
    assert decision.outcome is Outcome.REFERRED
    assert [reason.code for reason in decision.reasons] == ["R_INSUFFICIENT_DATA"]
    assert "needs features" in decision.reasons[0].text
    assert decision.granted_limit.state is LimitState.NOT_UNDERWRITTEN


def test_no_features_knock_out_still_declines(underwriter: Underwriter) -> None:
    decision = underwriter.underwrite(_bare_application(sanctions_hit=True))
    assert decision.outcome is Outcome.DECLINED
    assert decision.reasons[0].code == "KO_SANCTIONS"


def test_batch_single_insufficient_data_agree(underwriter: Underwriter) -> None:
    batch = underwriter.underwrite_batch([_bare_application(), _application()])
    assert batch[0] == underwriter.underwrite(_bare_application())
    assert batch[1].outcome is not Outcome.REFERRED or batch[1].reasons[0].code != "R_INSUFFICIENT_DATA"


def test_batch_without_model_features_raises(underwriter: Underwriter) -> None:
    """A batch in which no row supplies any feature names each model and its features."""
    with pytest.raises(ModelFeaturesNotSuppliedError) as error:
        underwriter.underwrite_batch([_bare_application(), _bare_application(application_id="b2")])
    message = str(error.value)
    assert "model polish-5year needs features net_profit_to_total_assets" in message
    assert "model sba-firmographic needs features" in message
    assert "employees" in message
    assert "the input supplies none of them" in message
    assert "requested_amount" not in message


def test_requested_amount_never_a_reason(underwriter: Underwriter) -> None:
    """The requested amount is the applicant's choice, so no decision names it as a reason."""
    applications = [
        _bare_application(
            application_id=f"sba-{amount}",
            firmographics={
                "legal_name": "Coast Rentals",
                "country": "US",
                "employees": 1,
                "naics_code": "5313",
                "urban_rural": "urban",
            },
            requested_limit=f"{amount}.00 USD",
        )
        for amount in (1000, 30000, 2000000)
    ]
    for decision in underwriter.underwrite_batch(applications):
        assert decision.model_name == "sba-firmographic"
        assert "R_REQUESTED_AMOUNT" not in [reason.code for reason in decision.reasons]
        if decision.adverse_action is not None:
            assert "R_REQUESTED_AMOUNT" not in [r.code for r in decision.adverse_action.reasons]


def test_summary_counts_principal_decline_reasons(underwriter: Underwriter) -> None:
    """Each decline counts once, under its first reason, so knock-outs show in the summary."""
    decisions = underwriter.underwrite_batch(sample_portfolio())
    text = summary(decisions)
    declined = [d for d in decisions if d.outcome is Outcome.DECLINED]
    line = next(line for line in text.splitlines() if line.startswith("most frequent decline reasons"))
    assert "KO_SANCTIONS (1)" in line
    assert "KO_STATUS (1)" in line
    assert "KO_YEARS_IN_BUSINESS (1)" in line
    counted = sum(int(part.rsplit("(", 1)[1].rstrip(")")) for part in line.split(": ", 1)[1].split(", "))
    assert counted == len(declined)


def test_summary_counts_every_cited_decline_reason(underwriter: Underwriter) -> None:
    """A reason cited second still counts; each decline counts a reason at most once."""
    decisions = underwriter.underwrite_batch(sample_portfolio())
    declined = [d for d in decisions if d.outcome is Outcome.DECLINED]
    line = next(line for line in summary(decisions).splitlines() if line.startswith("reasons cited by declines"))
    listed = {
        part.rsplit(" (", 1)[0]: int(part.rsplit("(", 1)[1].rstrip(")"))
        for part in line.split(": ", 1)[1].split(", ")
    }
    every_code = {r.code for d in declined for r in d.reasons}
    cited = {code: sum(code in {r.code for r in d.reasons} for d in declined) for code in every_code}
    for code, count in listed.items():
        assert count == cited[code]
    assert max(listed.values()) == max(cited.values())


def test_summary_limits_skip_zero_limits(underwriter: Underwriter) -> None:
    decision = underwriter.underwrite(_application())
    assert decision.granted_limit.state is LimitState.LIMITED
    prepay = attrs.evolve(decision, granted_limit=CreditLimit.prepay_only("EUR"))
    text = summary([decision, prepay])
    assert f"limits granted {decision.granted_limit.amount} to 1 buyer;" in text
    assert "2 applications:" in text


def test_summary_singular_application(underwriter: Underwriter) -> None:
    text = summary([underwriter.underwrite(_bare_application())])
    assert text.startswith("1 application: 0 approved, 1 referred, 0 declined")
    assert "limits granted 0.00 PLN to 0 buyers;" in text


@pytest.mark.parametrize(
    ("limit", "words"),
    [
        (CreditLimit.not_underwritten(), "none (not underwritten)"),
        (CreditLimit.prepay_only("EUR"), "prepay only"),
        (CreditLimit(LimitState.UNLIMITED), "unlimited"),
        (CreditLimit.of(Money("500.00", "EUR")), "500.00 EUR"),
    ],
)
def test_describe_limit_in_words(limit: CreditLimit, words: str) -> None:
    assert describe_limit(limit) == words


def test_reasons_cost_at_least_one_point(underwriter: Underwriter) -> None:
    """A factor whose loss rounds to 0 points is not listed as a reason."""
    for decision in underwriter.underwrite_batch(sample_portfolio()):
        for reason in decision.reasons:
            assert reason.points_lost == 0.0 or reason.points_lost >= 0.5, reason
            assert "scores 0 points" not in reason.text


def test_summary_reports_insufficient_data(underwriter: Underwriter) -> None:
    """Insufficient-data referrals are counted apart and left out of the mean PD."""
    scored = underwriter.underwrite(_application())
    text = summary([scored, underwriter.underwrite(_bare_application())])
    assert "1 buyer referred for insufficient data" in text
    assert f"mean PD {scored.pd:.2%}" in text


def test_features_limited_to_named_ratios() -> None:
    """Named ratios keep the values of the full set, and the unnamed ratios are left out."""
    application = Underwriter.sample_application()
    every = application_features(application)
    named = application_features(application, frozenset({"current_ratio", "working_capital_to_total_assets"}))
    assert named["current_ratio"] == every["current_ratio"]
    assert named["working_capital_to_total_assets"] == every["working_capital_to_total_assets"]
    assert "net_profit_to_total_assets" not in named
    assert named["employees"] == every["employees"]


def test_flat_mapping_decides_like_nested(underwriter: Underwriter) -> None:
    """A flat record with the CSV's columns gets the decision of its nested form."""
    import csv
    from pathlib import Path

    from b2bcredit.datasets.records import flat_to_nested

    path = Path(__file__).parents[2] / "examples" / "buyers.csv"
    with path.open(newline="") as handle:
        flat = {k: v for k, v in next(csv.DictReader(handle)).items() if v != ""}
    from_flat = underwriter.underwrite(flat)
    from_nested = underwriter.underwrite(flat_to_nested(flat))
    assert from_flat.to_dict() == from_nested.to_dict()


def test_flat_mapping_with_unknown_column_names_it(underwriter: Underwriter) -> None:
    with pytest.raises(InvalidInputError, match="columns: columns that are not application fields"):
        underwriter.underwrite({"legal_name": "Nordwerk", "country": "DE", "colour": "blue"})


def test_flat_mapping_takes_the_underwriter_date() -> None:
    """A flat record without application_date decides on the underwriter's date."""
    import csv
    import datetime
    from pathlib import Path

    underwriter = Underwriter.with_defaults(application_date=datetime.date(2024, 6, 3))

    path = Path(__file__).parents[2] / "examples" / "buyers.csv"
    with path.open(newline="") as handle:
        flat = {k: v for k, v in next(csv.DictReader(handle)).items() if v != "" and k != "application_date"}
    decision = underwriter.underwrite(flat)
    assert decision.input_snapshot.application_date == datetime.date(2024, 6, 3)


def test_flat_mapping_without_a_date_names_the_column(underwriter: Underwriter) -> None:
    from b2bcredit.api.underwriting import InvalidApplicationError

    record = {"application_id": "f1", "legal_name": "Acme", "country": "DE"}
    with pytest.raises(InvalidApplicationError, match=r"^application_date: missing, got None\. Add the column"):
        underwriter.underwrite(record)


@pytest.mark.parametrize("value", ["maybe", "ja", "2"])
def test_flat_screening_flag_must_be_yes_or_no(underwriter: Underwriter, value: str) -> None:
    """An unreadable sanctions flag is an error, never a silent 'no hit'."""
    record = {"application_id": "f1", "legal_name": "Acme", "country": "DE", "sanctions_hit": value}
    with pytest.raises(InvalidInputError, match=rf"^sanctions_hit: not a yes/no value, got '{value}'"):
        underwriter.underwrite(record)


def test_flat_rows_without_ids_are_named_by_position(underwriter: Underwriter) -> None:
    rows = [{"legal_name": "Acme", "country": "DE", "employees": "12", "naics_code": "5313",
             "requested_limit": "5000", "currency": "EUR", "application_date": "2024-06-03"}]
    applications, invalid = underwriter.parse_batch(rows)
    assert invalid == []
    assert applications[0].application_id == "row-1"


def test_summary_counts_counter_offers(underwriter: Underwriter) -> None:
    decisions = underwriter.underwrite_batch(sample_portfolio())
    counters = sum(d.outcome is Outcome.APPROVED and d.is_counter_offer for d in decisions)
    assert counters > 0
    assert f"of the approved, {counters} as counter-offers" in summary(decisions)
