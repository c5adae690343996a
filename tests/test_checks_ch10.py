"""Exercise checks of chapter 10 (conditional GAN)."""

import math

import pandas as pd
import pytest
import torch

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError

from ._checks_helpers import assert_keeps_random_state, stub


def draw_label_codes(shares, n, generator):
    return torch.multinomial(shares, n, replacement=True, generator=generator)


def minority_batch_stats(share, batch_size):
    mean = batch_size * share
    return mean, math.sqrt(mean * (1 - share)), (1 - share) ** batch_size


def test_check_draw_label_codes(capsys):
    checks.check_draw_label_codes(draw_label_codes)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_draw_label_codes(stub)
    with pytest.raises(ExerciseCheckError, match="equally often"):
        checks.check_draw_label_codes(lambda s, n, g: torch.randint(0, len(s), (n,), generator=g))
    with pytest.raises(ExerciseCheckError, match="always return one label"):
        checks.check_draw_label_codes(lambda s, n, g: torch.full((n,), int(s.argmax())))
    with pytest.raises(ExerciseCheckError, match="global random state"):
        checks.check_draw_label_codes(lambda s, n, g: torch.multinomial(s, n, replacement=True))
    with pytest.raises(ExerciseCheckError, match="integers"):
        checks.check_draw_label_codes(lambda s, n, g: draw_label_codes(s, n, g).float())
    with pytest.raises(ExerciseCheckError, match="shape"):
        checks.check_draw_label_codes(lambda s, n, g: draw_label_codes(s, n, g)[:-1])
    with pytest.raises(ExerciseCheckError, match="a tensor of codes"):
        checks.check_draw_label_codes(lambda s, n, g: draw_label_codes(s, n, g).tolist())
    with pytest.raises(ExerciseCheckError, match="Codes must lie"):
        checks.check_draw_label_codes(lambda s, n, g: draw_label_codes(s, n, g) + 1)
    with pytest.raises(ExerciseCheckError, match="raised RuntimeError"):
        checks.check_draw_label_codes(lambda s, n, g: torch.multinomial(s, n, generator=g))


def test_check_minority_batch_stats(capsys):
    checks.check_minority_batch_stats(minority_batch_stats)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_minority_batch_stats(stub)
    with pytest.raises(ExerciseCheckError, match="three numbers"):
        checks.check_minority_batch_stats(lambda s, b: s * b)
    with pytest.raises(ExerciseCheckError, match="batch_size \\* share"):
        checks.check_minority_batch_stats(lambda s, b: (s, *minority_batch_stats(s, b)[1:]))
    with pytest.raises(ExerciseCheckError, match="variance"):
        checks.check_minority_batch_stats(lambda s, b: (s * b, s * b * (1 - s), (1 - s) ** b))
    with pytest.raises(ExerciseCheckError, match="Poisson"):
        checks.check_minority_batch_stats(lambda s, b: (s * b, math.sqrt(s * b), (1 - s) ** b))
    with pytest.raises(ExerciseCheckError, match="raise to that power"):
        checks.check_minority_batch_stats(lambda s, b: (*minority_batch_stats(s, b)[:2], 1 - s))
    with pytest.raises(ExerciseCheckError, match="all\\* rows"):
        checks.check_minority_batch_stats(lambda s, b: (*minority_batch_stats(s, b)[:2], s**b))
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_minority_batch_stats(lambda s, b: ("a", "b", "c"))


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_draw_label_codes(draw_label_codes)
        checks.check_minority_batch_stats(minority_batch_stats)

    assert_keeps_random_state(monkeypatch, run)


# the checks of earlier versions of the chapter


def _label_share(table, column, label):
    return float((table[column] == label).mean())


def _balancing_plan(counts):
    largest = max(counts.values())
    return {label: largest - count for label, count in counts.items()}


def test_earlier_check_label_share(capsys):
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


def test_earlier_check_balancing_plan(capsys):
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
