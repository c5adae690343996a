"""Exercise checks of chapter 07 (CTGAN on the insurance data)."""

import numpy as np
import pytest

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError
from tabgen_lib.metrics import exact_copy_share

from ._checks_helpers import assert_keeps_random_state, stub


def _correlation_difference(real, synthetic, columns):
    diff = (real[columns].corr() - synthetic[columns].corr()).abs().to_numpy()
    return float(diff[np.triu_indices(len(columns), k=1)].mean())


def test_check_exact_copy_share_accepts_the_library_function(capsys):
    checks.check_exact_copy_share(exact_copy_share)
    assert capsys.readouterr().out.startswith("Correct!")


def test_check_exact_copy_share_rejects_wrong_answers():
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_exact_copy_share(stub)
    with pytest.raises(ExerciseCheckError, match="number of copies"):
        checks.check_exact_copy_share(lambda s, r: exact_copy_share(s, r) * len(s))
    with pytest.raises(ExerciseCheckError, match="same order"):
        checks.check_exact_copy_share(
            lambda s, r: float(
                np.mean([tuple(row) in set(r.itertuples(index=False)) for row in s.to_numpy()])
            )
        )
    with pytest.raises(ExerciseCheckError, match="should be"):
        checks.check_exact_copy_share(lambda s, r: 0.5)
    with pytest.raises(ExerciseCheckError, match="should be a number"):
        checks.check_exact_copy_share(lambda s, r: "half")
    with pytest.raises(ExerciseCheckError, match="Pass your function"):
        checks.check_exact_copy_share(0.5)


def test_check_correlation_difference(capsys):
    checks.check_correlation_difference(_correlation_difference)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_correlation_difference(stub)
    with pytest.raises(ExerciseCheckError, match="diagonal"):
        checks.check_correlation_difference(
            lambda r, s, c: float((r[c].corr() - s[c].corr()).abs().to_numpy().mean())
        )
    with pytest.raises(ExerciseCheckError, match="absolute value"):
        checks.check_correlation_difference(
            lambda r, s, c: float(
                (r[c].corr() - s[c].corr()).to_numpy()[np.triu_indices(len(c), k=1)].mean()
            )
        )
    with pytest.raises(ExerciseCheckError, match="should be"):
        checks.check_correlation_difference(lambda r, s, c: 0.0)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_exact_copy_share(exact_copy_share)
        checks.check_correlation_difference(_correlation_difference)

    assert_keeps_random_state(monkeypatch, run)


def test_check_names_the_exercise_function_that_shadows_nothing():
    # the chapter imports the library's exact_copy_share: the exercise's function is another
    with pytest.raises(ExerciseCheckError, match="`my_exact_copy_share` is not implemented"):
        checks.check_exact_copy_share(stub)
