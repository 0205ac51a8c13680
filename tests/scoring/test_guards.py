"""The fit guards' warnings about columns with a suspiciously high IV."""

from __future__ import annotations

from b2bcredit.scoring.guards import SUSPICIOUS_IV, high_iv_findings


def test_few_high_iv_columns_warn_one_by_one() -> None:
    findings = high_iv_findings([("a", 0.9, True), ("b", 0.1, True), ("c", 2.5, False)])
    assert [finding.column for finding in findings] == ["c", "a"]
    assert str(findings[0]).startswith(f"warning: c has IV 2.50, above {SUSPICIOUS_IV} (not selected);")
    assert findings[0].message.endswith("else pass --exclude c")


def test_many_high_iv_columns_share_one_warning() -> None:
    rows = [(f"ratio_{n}", 0.6 + n / 10, n % 2 == 0) for n in range(5)]
    findings = high_iv_findings(rows)
    assert len(findings) == 1
    message = findings[0].message
    assert message.startswith(f"5 columns have IV above {SUSPICIOUS_IV}: ratio_4 1.00 (selected), ratio_3 0.90, ")
    assert message.endswith("else pass --exclude COLUMN")


def test_no_high_iv_column_no_warning() -> None:
    assert high_iv_findings([("a", SUSPICIOUS_IV, True)]) == []


def test_chance_level_holdout_warns() -> None:
    from b2bcredit.scoring.guards import holdout_auc_finding

    (finding,) = holdout_auc_finding(0.4512)
    assert finding.message.startswith("hold-out AUC 0.4512: the model ranks the hold-out rows no better than chance")
    assert holdout_auc_finding(0.75) == []
