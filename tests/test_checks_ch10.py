"""Exercise checks of chapter 10 (conditional GAN)."""

import pandas as pd
import pytest

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def _label_share(table, column, label):
    return float((table[column] == label).mean())


def _balancing_plan(counts):
    largest = max(counts.values())
    return {label: largest - count for label, count in counts.items()}


def test_check_label_share(capsys):
    checks.check_label_share(_label_share)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_label_share(stub)
    with pytest.raises(ExerciseCheckError, match="number of rows"):
        checks.check_label_share(lambda t, c, lab: int((t[c] == lab).sum()))
    with pytest.raises(ExerciseCheckError, match="do NOT have"):
        checks.check_label_share(lambda t, c, lab: float((t[c] != lab).mean()))
    with pytest.raises(ExerciseCheckError, match="including those with a missing label"):
        checks.check_label_share(lambda t, c, lab: float((t[c].dropna() == lab).mean()))
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_label_share(lambda t, c, lab: "most")
    with pytest.raises(ExerciseCheckError, match="raised KeyError"):
        checks.check_label_share(lambda t, c, lab: float((t["label"] == lab).mean()))
    with pytest.raises(ExerciseCheckError, match="should be 0.6"):
        checks.check_label_share(lambda t, c, lab: 0.5)
    # Other return types that are still one number are accepted.
    checks.check_label_share(lambda t, c, lab: (t[c] == lab).mean())


def test_check_balancing_plan(capsys):
    checks.check_balancing_plan(_balancing_plan)
    assert capsys.readouterr().out.startswith("Correct!")
    checks.check_balancing_plan(lambda counts: pd.Series(_balancing_plan(counts)))
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_balancing_plan(stub)
    with pytest.raises(ExerciseCheckError, match="return a dict"):
        checks.check_balancing_plan(lambda counts: list(_balancing_plan(counts).values()))
    with pytest.raises(ExerciseCheckError, match="one entry per class"):
        checks.check_balancing_plan(
            lambda counts: {k: v for k, v in _balancing_plan(counts).items() if v > 0}
        )
    with pytest.raises(ExerciseCheckError, match="negative entries"):
        checks.check_balancing_plan(
            lambda counts: {k: min(counts.values()) - v for k, v in counts.items()}
        )
    with pytest.raises(ExerciseCheckError, match="Subtract the rows"):
        checks.check_balancing_plan(
            lambda counts: {
                k: (0 if v == max(counts.values()) else max(counts.values()))
                for k, v in counts.items()
            }
        )
    with pytest.raises(ExerciseCheckError, match="the plan should be"):
        checks.check_balancing_plan(lambda counts: {k: 0 for k in counts})
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_balancing_plan(lambda counts: {k: "many" for k in counts})


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_label_share(_label_share)
        checks.check_balancing_plan(_balancing_plan)

    assert_keeps_random_state(monkeypatch, run)
