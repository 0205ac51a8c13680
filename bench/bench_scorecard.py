"""Scorecards on Polish 5year: b2bcredit beside optbinning, toad and scorecardpy.

One stratified 70/30 split (seed 42) for every library. Measured per library: fit time,
hold-out AUC and KS, the latency of scoring one buyer, and the time to score 1,000,000
rows (hold-out rows drawn with replacement). For b2bcredit the single-buyer figure is a
full decision (score, PD, limit, reasons) through the Underwriter facade, and a bare
score_one beside it.

``python bench/bench_scorecard.py --seeds`` instead compares the hold-out AUC of
b2bcredit's and toad's defaults on the splits with seeds 42 and 1 to 4, and their means,
because one split's AUC moves by about 0.01 with the seed.
"""

from __future__ import annotations

import importlib
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from _timing import median_time, report
from b2bcredit.datasets.paths import find_data_file
from b2bcredit.datasets.polish import load_polish_arff
from b2bcredit.scoring.fit import fit_scorecard
from b2bcredit.scoring.metrics import auc, ks_statistic
from b2bcredit.scoring.split import stratified_split

BATCH_ROWS = 1_000_000
SINGLE_CALLS = 200
SEEDS = (42, 1, 2, 3, 4)


def _time_once(function: Callable[[], object]) -> float:
    """Return the wall time of one call: for the other libraries' fits and 1M-row scoring,
    which take seconds to minutes each, so a median of several runs would take too long."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.fit_seconds = float("nan")
        self.auc = float("nan")
        self.ks = float("nan")
        self.single_seconds = float("nan")
        self.batch_seconds = float("nan")
        self.note = ""


def _b2bcredit(
    train: dict[str, Any], test: dict[str, Any], big: dict[str, Any], y_train: Any, y_test: Any
) -> list[Result]:
    from b2bcredit.decisions.facade import Underwriter

    result = Result("b2bcredit")
    fitted: list[Any] = []
    result.fit_seconds = median_time(lambda: fitted.append(fit_scorecard(train, y_train).scorecard), repeat=3)
    model = fitted[-1]
    scores = model.score_batch(test).scores
    result.auc, result.ks = auc(scores, y_test), ks_statistic(scores, y_test)
    result.batch_seconds = median_time(lambda: model.score_batch(big), repeat=3)
    row = {name: float(values[0]) for name, values in test.items()}
    bare = Result("b2bcredit score_one")
    bare.single_seconds = median_time(lambda: model.score_one(row), repeat=5, number=SINGLE_CALLS)
    bare.note = "score, PD and reasons, no decision"

    # The decision runs on the shipped default models, whose features an application yields.
    underwriter = Underwriter.with_defaults()
    application = underwriter.sample_application()
    result.single_seconds = median_time(lambda: underwriter.underwrite(application), repeat=5, number=SINGLE_CALLS)
    result.note = "single = full decision via Underwriter.underwrite"
    return [result, bare]


def _optbinning(train: Any, test: Any, big: Any, y_train: Any, y_test: Any) -> list[Result]:
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    result = Result("optbinning")
    names = list(train.columns)
    card: list[Any] = []

    def fit() -> None:
        process = BinningProcess(variable_names=names)
        model = Scorecard(
            binning_process=process,
            estimator=LogisticRegression(max_iter=1000),
            scaling_method="pdo_odds",
            scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
        )
        model.fit(train, y_train)
        card.append(model)

    result.fit_seconds = _time_once(fit)
    model = card[-1]
    # _oriented measures every library's score with higher meaning safer, negating a score
    # that rises with risk, so the AUC does not depend on a library's odds direction.
    scores = model.score(test)
    result.auc, result.ks = _oriented(scores, y_test)
    one = test.iloc[[0]]
    result.single_seconds = median_time(lambda: model.score(one), repeat=3, number=20)
    result.batch_seconds = _time_once(lambda: model.score(big))
    return [result]


def _toad(train: Any, test: Any, big: Any, y_train: Any, y_test: Any) -> list[Result]:
    result = Result("toad")
    card: list[Any] = []
    result.fit_seconds = _time_once(lambda: card.append(_fit_toad(train, y_train)))
    model = card[-1]
    result.auc, result.ks = _oriented(model.predict(test), y_test)
    one = test.iloc[[0]]
    result.single_seconds = median_time(lambda: model.predict(one), repeat=3, number=20)
    result.batch_seconds = _time_once(lambda: model.predict(big))
    return [result]


def _fit_toad(train: Any, y_train: Any) -> Any:
    import toad

    frame = train.copy()
    frame["class"] = y_train
    combiner = toad.transform.Combiner()
    combiner.fit(frame, y="class", method="chi", min_samples=0.05, empty_separate=True)
    binned = combiner.transform(frame)
    transer = toad.transform.WOETransformer()
    woe = transer.fit_transform(binned, binned["class"], exclude=["class"])
    model = toad.ScoreCard(combiner=combiner, transer=transer)
    model.fit(woe.drop(columns=["class"]), woe["class"])
    return model


def _scorecardpy(train: Any, test: Any, big: Any, y_train: Any, y_test: Any) -> list[Result]:
    import scorecardpy as sc
    from sklearn.linear_model import LogisticRegression

    result = Result("scorecardpy")
    card: list[Any] = []

    def fit() -> None:
        frame = train.copy()
        # scorecardpy matches the positive class by text ("1"), so a float 1.0 would read as good.
        frame["class"] = y_train.astype(int)
        bins = sc.woebin(frame, y="class", print_step=0)
        woe = sc.woebin_ply(frame, bins, print_step=0)
        features = [c for c in woe.columns if c.endswith("_woe")]
        regression = LogisticRegression(max_iter=1000).fit(woe[features], y_train)
        card.append(sc.scorecard(bins, regression, features))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result.fit_seconds = _time_once(fit)
        points = card[-1]
        scores = sc.scorecard_ply(test, points, print_step=0)["score"].to_numpy()
        result.auc, result.ks = _oriented(scores, y_test)
        one = test.iloc[[0]]
        result.single_seconds = median_time(lambda: sc.scorecard_ply(one, points, print_step=0), repeat=3, number=1)
        sample = big.iloc[:100_000]
        per_row = _time_once(lambda: sc.scorecard_ply(sample, points, print_step=0)) / len(sample)
    result.batch_seconds = per_row * BATCH_ROWS
    result.note = "1M-row time extrapolated from 100,000 rows"
    return [result]


def _oriented(scores: Any, targets: Any) -> tuple[float, float]:
    values = np.asarray(scores, dtype=np.float64)
    area = auc(values, targets)
    if area < 0.5:
        values = -values
        area = 1.0 - area
    return area, ks_statistic(values, targets)


def main() -> None:
    data = load_polish_arff(find_data_file("polish_bankruptcy/5year.arff"))
    train_rows, test_rows = stratified_split(data.target, 0.3, seed=42)
    generator = np.random.Generator(np.random.PCG64(0))
    big_rows = generator.choice(test_rows, size=BATCH_ROWS, replace=True)
    y_train, y_test = data.target[train_rows], data.target[test_rows]
    columns = data.columns
    print(
        f"Polish 5year: {data.rows} firms, {len(columns)} ratios; train {train_rows.size}, "
        f"hold-out {test_rows.size} (stratified, seed 42); batch {BATCH_ROWS:,} rows"
    )

    results: list[Result] = []
    ours = _b2bcredit(
        {k: v[train_rows] for k, v in columns.items()},
        {k: v[test_rows] for k, v in columns.items()},
        {k: np.ascontiguousarray(v[big_rows]) for k, v in columns.items()},
        y_train,
        y_test,
    )
    results.extend(ours)

    try:
        import pandas as pd
    except ImportError:
        print("pandas is not installed: the other libraries are skipped (pip install -e '.[bench]')")
        pd = None
    if pd is not None:
        frame = pd.DataFrame(columns)
        train, test, big = frame.iloc[train_rows], frame.iloc[test_rows], frame.iloc[big_rows]
        runners: list[tuple[str, Callable[..., list[Result]]]] = [
            ("optbinning", _optbinning),
            ("toad", _toad),
            ("scorecardpy", _scorecardpy),
        ]
        for module_name, runner in runners:
            start = time.perf_counter()
            try:
                importlib.import_module(module_name)
            except Exception as error:  # report any import failure and compare with the others
                failed = Result(module_name)
                failed.note = f"not run: import failed ({type(error).__name__}: {error})"
                results.append(failed)
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    results.extend(runner(train, test, big, y_train, y_test))
            except Exception as error:  # a failing competitor is reported, not fatal
                failed = Result(module_name)
                elapsed = time.perf_counter() - start
                failed.note = f"failed after {elapsed:.0f} s: {type(error).__name__}: {error}"
                results.append(failed)

    print(f"{'library':<22}{'fit s':>8}{'AUC':>8}{'KS':>8}{'single µs':>12}{'1M rows s':>11}{'rows/s':>12}  note")
    for r in results:
        rate = BATCH_ROWS / r.batch_seconds if r.batch_seconds == r.batch_seconds else float("nan")
        print(
            f"{r.name:<22}{r.fit_seconds:>8.2f}{r.auc:>8.4f}{r.ks:>8.4f}"
            f"{r.single_seconds * 1e6:>12.1f}"
            f"{r.batch_seconds:>11.3f}{rate:>12,.0f}  {r.note}"
        )
    ours_batch = results[0].batch_seconds
    others = [r for r in results if not r.name.startswith("b2bcredit") and r.batch_seconds == r.batch_seconds]
    if others:
        fastest = min(others, key=lambda r: r.batch_seconds)
        best = max(others, key=lambda r: r.auc)
        quickest = min(others, key=lambda r: r.single_seconds)
        report(
            f"score {BATCH_ROWS:,} rows (vs fastest: {fastest.name})", ours_batch, fastest.batch_seconds, fastest.name
        )
        report(
            f"one buyer: full decision vs {quickest.name} score",
            results[0].single_seconds,
            quickest.single_seconds,
            quickest.name,
        )
        print(f"AUC: b2bcredit {results[0].auc:.4f} vs best other {best.auc:.4f} ({best.name})")


def compare_seeds() -> None:
    """Print b2bcredit's and toad's default hold-out AUC per seed and their means."""
    import pandas as pd

    data = load_polish_arff(find_data_file("polish_bankruptcy/5year.arff"))
    frame = pd.DataFrame(data.columns)
    print(f"{'seed':>6}{'b2bcredit':>11}{'toad':>9}")
    ours, theirs = [], []
    for seed in SEEDS:
        train_rows, test_rows = stratified_split(data.target, 0.3, seed=seed)
        y_train, y_test = data.target[train_rows], data.target[test_rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = fit_scorecard({k: v[train_rows] for k, v in data.columns.items()}, y_train).scorecard
            ours.append(auc(model.score_batch({k: v[test_rows] for k, v in data.columns.items()}).scores, y_test))
            toad_model = _fit_toad(frame.iloc[train_rows], y_train)
            theirs.append(_oriented(toad_model.predict(frame.iloc[test_rows]), y_test)[0])
        print(f"{seed:>6}{ours[-1]:>11.4f}{theirs[-1]:>9.4f}", flush=True)
    print(f"{'mean':>6}{float(np.mean(ours)):>11.4f}{float(np.mean(theirs)):>9.4f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--seeds"]:
        compare_seeds()
    else:
        main()
