"""The Underwriter: models, policy and limit policy behind one call, single or batch.

``underwrite(application)`` scores with :meth:`Scorecard.score_one`;
``underwrite_batch(table)`` scores each model's rows with :meth:`Scorecard.score_batch`.
Both feed the same pure :func:`decide`, and the scorecard guarantees that both scoring
paths give the same points, so a buyer gets the same decision either way.

Model choice: each application goes to the first model (in the order given) for which it
supplies at least half of the model's features, else to the model it supplies the most
features for. With the defaults, a buyer with financial statements is scored on the
financial-statement model and one without on the firmographic model. Applicant-chosen
features (the requested amount) do not count as supplied. An application that supplies
none of any model's features is referred with ``R_INSUFFICIENT_DATA`` instead of being
scored on Missing bins alone, and a batch in which no application supplies any feature
raises :class:`ModelFeaturesNotSuppliedError` (the models do not fit the input).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from b2bcredit.api.underwriting import BuyerApplication, InvalidApplicationError, parse_application
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.datasets.records import flat_error, flat_to_nested, iter_csv_records
from b2bcredit.decisions.decision import Decision, decide
from b2bcredit.decisions.features import application_features, informative_features
from b2bcredit.decisions.policy import UnderwritingPolicy
from b2bcredit.limits.methods import (
    BureauRecommendation,
    NeedsBased,
    NetWorthShare,
    TradeReference,
    WorkingCapitalShare,
)
from b2bcredit.limits.policy import Combination, LimitPolicy
from b2bcredit.scoring.defaults import load_default_models
from b2bcredit.scoring.scorecard import Scorecard

__all__ = [
    "InvalidRowError",
    "ModelFeaturesNotSuppliedError",
    "Underwriter",
    "default_limit_policy",
    "missing_features_message",
]

logger = logging.getLogger(__name__)


class ModelFeaturesNotSuppliedError(InvalidInputError):
    """No application of a batch supplies any feature of any model, so none can be scored."""


class InvalidRowError(InvalidApplicationError):
    """A row of a batch that is not a valid application; the message leads with the row and id.

    Attributes:
        row: the 1-based position of the row among the data rows (the header is not counted).
        application_id: the row's ``application_id``, or None when it has none.
    """

    def __init__(self, row: int, application_id: str | None, error: InvalidInputError) -> None:
        self.row = row
        self.application_id = application_id
        where = f"row {row}" + ("" if application_id is None else f" (application_id {application_id})")
        super().__init__(f"{where} {error.field}", error.value, error.problem, error.fix)


def _is_flat(record: Mapping[str, Any]) -> bool:
    """Return whether a mapping is a flat row of the CSV's columns, not a nested application."""
    return "firmographics" not in record


def _application_id(record: object) -> str | None:
    if isinstance(record, BuyerApplication):
        return record.application_id
    if isinstance(record, Mapping):
        value = record.get("application_id")
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def missing_features_message(model: Scorecard) -> str:
    """Return "model NAME needs features A, B, ...; the input supplies none of them"."""
    names = informative_features(model.feature_names) or model.feature_names
    listed = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return f"model {model.name} needs features {listed}; the input supplies none of them"


def supplied_features(model: Scorecard, features: Mapping[str, object]) -> int:
    """Return how many of the model's buyer-describing features ``features`` supplies."""
    return sum(features.get(name) is not None for name in informative_features(model.feature_names))


def default_limit_policy(currency: str) -> LimitPolicy:
    """Return the default limit policy: the minimum of the applicable methods, down to 100."""
    return LimitPolicy(
        currency=currency,
        methods=(
            NeedsBased(),
            NetWorthShare(),
            WorkingCapitalShare(),
            BureauRecommendation(),
            TradeReference(),
        ),
        combination=Combination.MINIMUM,
        step=Decimal("100"),
    )


class Underwriter:
    """Decide trade credit for buyers with given models, policy and limit policy.

    Args:
        models: scorecards in order of preference (see the module docs for the choice).
        policy: knock-outs, cut-offs, counter-offers and pricing.
        limit_policy: the limit methods, caps and rounding; its currency must match the
            applications' currency. Without one, :func:`default_limit_policy` is built
            per application currency.
        application_date: the date used for rows of a batch that lack ``application_date``.
    """

    def __init__(
        self,
        models: Sequence[Scorecard],
        policy: UnderwritingPolicy | None = None,
        limit_policy: LimitPolicy | None = None,
        *,
        application_date: date | None = None,
    ) -> None:
        if not models:
            raise InvalidInputError(
                "models",
                (),
                "the Underwriter needs at least one scorecard",
                "Pass Underwriter.with_defaults() or your fitted models.",
            )
        self.models = tuple(models)
        self.policy = policy or UnderwritingPolicy()
        self.limit_policy = limit_policy
        self.application_date = application_date
        self._limit_policies: dict[str, LimitPolicy] = {}
        # The features that count as supplied, per model, computed once because every decision reads them.
        self._informative = tuple(informative_features(model.feature_names) for model in self.models)
        # The features any model reads: the only ratios worth computing.
        self._model_features = frozenset(name for model in self.models for name in model.feature_names)

    @classmethod
    def with_defaults(
        cls,
        models: Sequence[Scorecard] | None = None,
        policy: UnderwritingPolicy | None = None,
        *,
        application_date: date | None = None,
    ) -> Underwriter:
        """Return an Underwriter on the shipped default models and the default policies."""
        return cls(models or load_default_models(), policy, application_date=application_date)

    def _limit_policy(self, currency: str) -> LimitPolicy:
        if self.limit_policy is not None:
            return self.limit_policy
        if currency not in self._limit_policies:
            self._limit_policies[currency] = default_limit_policy(currency)
        return self._limit_policies[currency]

    def select_model(self, features: Mapping[str, object]) -> int:
        """Return the index of the model that scores an application with these features."""
        return self._choose(features)[0]

    def _choose(self, features: Mapping[str, object]) -> tuple[int, bool]:
        """Return the index of the model to score with, and whether any model's feature is supplied.

        The models after the first one the application supplies half of are not counted,
        because that model is chosen and it has a supplied feature.
        """
        best_index, best_share, any_supplied = 0, -1.0, False
        for index, names in enumerate(self._informative):
            if not names:
                continue
            count = len([name for name in names if features.get(name) is not None])
            any_supplied = any_supplied or count > 0
            share = count / len(names)
            if share >= 0.5:
                return index, True
            if share > best_share:
                best_index, best_share = index, share
        return best_index, any_supplied

    def underwrite(
        self,
        application: BuyerApplication | Mapping[str, Any],
        *,
        limit_multiplier: Decimal | None = None,
    ) -> Decision:
        """Decide one application (a validated model or a mapping to validate).

        ``limit_multiplier`` scales the sized limit before the policy's caps (a customer
        tier's credit-limit multiplier).

        Raises:
            InvalidApplicationError: the mapping is not a valid application.
        """
        if isinstance(application, Mapping) and _is_flat(application):
            # A flat record with the CSV's columns: the row's own date, else the
            # underwriter's, and errors named by column.
            try:
                parsed = parse_application(self._flat(application))
            except InvalidInputError as error:
                named = flat_error(error)
                raise InvalidApplicationError(named.field, named.value, named.problem, named.fix) from None
        else:
            parsed = parse_application(application)
        features = application_features(parsed, self._model_features)
        model_index, any_supplied = self._choose(features)
        model = self.models[model_index]
        result = model.score_one(features)
        return self._decide(
            parsed,
            model,
            result.score,
            result.pd,
            result.reasons,
            result.fallback_features,
            limit_multiplier,
            None if any_supplied else self._insufficient_text(),
        )

    def _insufficient_data(self, features: Mapping[str, object]) -> str | None:
        """Return the referral text when ``features`` supplies nothing any model reads."""
        return None if self._choose(features)[1] else self._insufficient_text()

    def _insufficient_text(self) -> str:
        return "; ".join(missing_features_message(model) for model in self.models)

    def _decide(
        self,
        application: BuyerApplication,
        model: Scorecard,
        score: float,
        pd: float,
        reasons: Any,
        fallback: Sequence[str],
        limit_multiplier: Decimal | None = None,
        insufficient_data: str | None = None,
    ) -> Decision:
        return decide(
            application,
            score=score,
            pd=pd,
            score_reasons=reasons,
            fallback_features=fallback,
            model_name=model.name,
            model_version=model.version,
            model_hash=model.content_hash,
            policy=self.policy,
            limit_policy=self._limit_policy(application.requested_limit.currency.code),
            limit_multiplier=limit_multiplier,
            insufficient_data=insufficient_data,
        )

    def underwrite_batch(self, table: Any, *, limit_multiplier: Decimal | None = None) -> list[Decision]:
        """Decide many applications, in input order, each as :meth:`underwrite` would.

        ``limit_multiplier`` applies to every application (one customer tier).

        ``table`` is a sequence of applications or mappings (nested or flat rows), a CSV
        path (flat columns, see :mod:`b2bcredit.datasets.records`) or a pandas DataFrame
        of flat columns.

        Raises:
            InvalidRowError: a row is not a valid application (the first such row).
            ModelFeaturesNotSuppliedError: the batch is not empty but no application in it
                supplies any feature of any model.
        """
        applications, _ = self.parse_batch(table)
        self.check_features_supplied(applications)
        return self.decide_applications(applications, limit_multiplier=limit_multiplier)

    def check_features_supplied(self, applications: Sequence[BuyerApplication]) -> None:
        """Raise unless at least one application supplies a feature of at least one model.

        Raises:
            ModelFeaturesNotSuppliedError: ``applications`` is not empty, yet none of them
                supplies any feature of any model.
        """
        for application in applications:
            if self._insufficient_data(application_features(application, self._model_features)) is None:
                return
        if applications:
            raise ModelFeaturesNotSuppliedError(
                "models",
                [model.name for model in self.models],
                "; ".join(missing_features_message(model) for model in self.models),
                "Fit the model on the application feature names (b2bcredit fit-scorecard "
                "--dataset polish or sba), or supply columns for these features.",
            )

    def decide_applications(
        self, applications: Sequence[BuyerApplication], *, limit_multiplier: Decimal | None = None
    ) -> list[Decision]:
        """Decide validated applications in input order, batch-scored per model.

        Unlike :meth:`underwrite_batch` it does not raise when no application supplies any
        feature: each such application is referred with ``R_INSUFFICIENT_DATA``.
        """
        features = [application_features(a, self._model_features) for a in applications]
        insufficient = [self._insufficient_data(f) for f in features]
        chosen = [self.select_model(f) for f in features]
        decisions: list[Decision | None] = [None] * len(applications)
        for model_index, model in enumerate(self.models):
            rows = [i for i, c in enumerate(chosen) if c == model_index]
            if not rows:
                continue
            columns = {
                name: np.array([features[i].get(name) for i in rows], dtype=object)
                for name in model.feature_names
            }
            batch = model.score_batch(columns, rows=len(rows))
            for position, row in enumerate(rows):
                reasons = model.reasons_for_row(batch, position, features[row])
                decisions[row] = self._decide(
                    applications[row],
                    model,
                    float(batch.scores[position]),
                    float(batch.pds[position]),
                    reasons,
                    batch.fallback_features(position),
                    limit_multiplier,
                    insufficient[row],
                )
        logger.info("underwrote a batch of %d applications", len(applications))
        return [d for d in decisions if d is not None]

    def parse_batch(
        self, table: Any, *, skip_invalid: bool = False
    ) -> tuple[list[BuyerApplication], list[InvalidRowError]]:
        """Validate every row of ``table`` (as :meth:`underwrite_batch` reads it).

        Returns the valid applications in input order and, with ``skip_invalid``, the
        errors of the rows left out.

        Raises:
            InvalidRowError: without ``skip_invalid``, the first invalid row.
        """
        applications: list[BuyerApplication] = []
        invalid: list[InvalidRowError] = []
        for number, record in enumerate(self._raw_records(table), start=1):
            flat = isinstance(record, Mapping) and _is_flat(record)
            if flat and _application_id(record) is None:
                # A file without ids: each row is known by its position.
                record = {**record, "application_id": f"row-{number}"}
            try:
                applications.append(parse_application(self._nested(record)))
            except InvalidInputError as error:
                row_error = InvalidRowError(number, _application_id(record), flat_error(error) if flat else error)
                if not skip_invalid:
                    raise row_error from None
                invalid.append(row_error)
        return applications, invalid

    def _raw_records(self, table: Any) -> Iterable[Any]:
        if isinstance(table, str | Path):
            return iter_csv_records(table)
        if hasattr(table, "to_dict") and hasattr(table, "columns"):
            return list(table.to_dict(orient="records"))
        return list(table)

    def _nested(self, record: Any) -> BuyerApplication | Mapping[str, Any]:
        if isinstance(record, BuyerApplication) or "firmographics" in record:
            return record
        return self._flat(record)

    def _flat(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return flat_to_nested(row, default_date=self.application_date)

    @staticmethod
    def sample_application() -> BuyerApplication:
        """Return a valid application for benchmarks and examples (no financial statements)."""
        return parse_application(
            {
                "application_id": "sample",
                "application_date": "2024-06-03",
                "firmographics": {
                    "legal_name": "Sample GmbH",
                    "country": "DE",
                    "employees": 12,
                    "years_in_business": 8,
                    "naics_code": "423830",
                    "annual_revenue": "2400000.00 EUR",
                },
                "financials": {
                    "total_assets": "1000000.00 EUR",
                    "total_liabilities": "600000.00 EUR",
                    "current_assets": "450000.00 EUR",
                    "current_liabilities": "300000.00 EUR",
                    "equity": "400000.00 EUR",
                    "sales": "2400000.00 EUR",
                    "net_profit": "60000.00 EUR",
                    "ebit": "90000.00 EUR",
                },
                "trade_history": {
                    "months_of_history": 18,
                    "average_monthly_purchases": "20000.00 EUR",
                },
                "requested_limit": "40000.00 EUR",
            }
        )
