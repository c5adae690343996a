"""Checks of chapter 07, *CTGAN on medical-insurance data*
(``notebooks/07_ctgan_insurance.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_correlation_difference", "check_exact_copy_share"]


def _copy_share_cases():
    real = pd.DataFrame(
        {
            "age": [19, 33, 33, 52, 60],
            "smoker": ["yes", "no", "no", "no", "yes"],
            "bmi": [27.9, 22.7, 29.0, 30.8, 25.8],
        }
    )
    copies = pd.DataFrame(  # other column order, ages as floats; rows 0, 1 and 3 are copies
        {
            "bmi": [22.7, 22.7, 30.0, 27.9, 22.7],
            "smoker": ["no", "no", "no", "yes", "yes"],
            "age": [33.0, 33.0, 52.0, 19.0, 33.0],
        }
    )
    none = real.assign(bmi=real["bmi"] + 0.01)
    return [(copies, real, 0.6), (none, real, 0.0), (real, real, 1.0)]


@_own_rng
def check_exact_copy_share(exact_copy_share: Callable) -> None:
    """Check ``my_exact_copy_share(synthetic, real) -> float``: the share of synthetic rows
    identical to some real row (columns matched by name, ``3 == 3.0``). The exercise names
    the student's function ``my_exact_copy_share`` so that it does not replace the library's
    ``exact_copy_share``, which the chapter imports.

    Examples
    --------
    >>> def my_exact_copy_share(synthetic, real):
    ...     synthetic = synthetic[real.columns].astype(real.dtypes.to_dict())
    ...     real_rows = set(real.itertuples(index=False))
    ...     copies = sum(row in real_rows for row in synthetic.itertuples(index=False))
    ...     return copies / len(synthetic)
    >>> check_exact_copy_share(my_exact_copy_share)
    Correct! Your share matches on 3 pairs of tables (copies, no copies, identical tables).
    """
    for synthetic, real, want in _copy_share_cases():
        got = _number(
            _call(exact_copy_share, "my_exact_copy_share", synthetic.copy(), real.copy()),
            "The share of copies",
        )
        if np.isclose(got, want * len(synthetic)) and want > 0 and not np.isclose(got, want):
            _fail(f"You returned the number of copies ({got:g}); divide by the number of rows.")
        if not np.isclose(got, want, atol=1e-9):
            hint = ""
            if want > 0 and got == 0:
                hint = (
                    " Are the columns in the same order in both tables? Select "
                    "synthetic[real.columns] before comparing rows."
                )
            _fail(f"For this pair of tables the share should be {want:g}, yours is {got:g}.{hint}")
    _passed("Your share matches on 3 pairs of tables (copies, no copies, identical tables).")


@_own_rng
def check_correlation_difference(correlation_difference: Callable) -> None:
    """Check ``correlation_difference(real, synthetic, columns) -> float``: the mean, over
    all pairs of two different continuous columns, of the absolute difference between the
    Pearson correlations in the real and in the synthetic table.

    Examples
    --------
    >>> import numpy as np
    >>> def correlation_difference(real, synthetic, columns):
    ...     diff = (real[columns].corr() - synthetic[columns].corr()).abs().to_numpy()
    ...     return float(diff[np.triu_indices(len(columns), k=1)].mean())
    >>> check_correlation_difference(correlation_difference)
    Correct! Your correlation difference matches on 2 pairs of tables.
    """
    rng = np.random.default_rng(7)
    x = rng.normal(size=300)
    real = pd.DataFrame(
        {"a": x, "b": x + rng.normal(0, 0.5, 300), "c": rng.normal(size=300), "d": ["u"] * 300}
    )
    y = rng.normal(size=300)
    fake = pd.DataFrame(
        {"a": y, "b": -y + rng.normal(0, 1.0, 300), "c": y + rng.normal(size=300), "d": ["v"] * 300}
    )
    for columns in (["a", "b", "c"], ["a", "b"]):
        real_corr, fake_corr = real[columns].corr().to_numpy(), fake[columns].corr().to_numpy()
        upper = np.triu_indices(len(columns), k=1)
        want = float(np.abs(real_corr - fake_corr)[upper].mean())
        got = _number(
            _call(
                correlation_difference, "correlation_difference", real.copy(), fake.copy(), columns
            ),
            "The correlation difference",
        )
        if np.isclose(got, want, rtol=1e-6):
            continue
        k = len(columns)
        hint = ""
        if np.isclose(got, want * (k - 1) / k, rtol=1e-6):
            hint = " Leave out the diagonal: a column's correlation with itself is always 1."
        elif np.isclose(abs(got), abs(float((real_corr - fake_corr)[upper].mean())), rtol=1e-6):
            hint = " Take the absolute value of each difference before averaging."
        _fail(
            f"For columns {columns} the correlation difference should be {want:.4f}, "
            f"yours is {got:.4f}.{hint}"
        )
    _passed("Your correlation difference matches on 2 pairs of tables.")
