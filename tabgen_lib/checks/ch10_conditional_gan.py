"""Checks of chapter 10, *Conditional GAN* (``notebooks/10_conditional_gan.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_balancing_plan", "check_label_share"]


@_own_rng
def check_label_share(label_share: Callable) -> None:
    """Check ``label_share(table, column, label) -> float``: the share (between 0 and 1) of
    rows of ``table`` whose discrete ``column`` equals ``label``; missing values never match.

    Examples
    --------
    >>> def label_share(table, column, label):
    ...     return float((table[column] == label).mean())
    >>> check_label_share(label_share)
    Correct! Your share matches on 4 tables (mixed labels, none, all, missing values).
    """
    cases = [
        (
            pd.DataFrame(
                {"age": [30, 41, 52, 25, 60], "income": ["<=50K", ">50K", ">50K", "<=50K", ">50K"]}
            ),
            ">50K",
            0.6,
        ),
        (pd.DataFrame({"income": ["<=50K"] * 4}), ">50K", 0.0),
        (pd.DataFrame({"income": pd.Categorical([">50K"] * 3)}), ">50K", 1.0),
        (pd.DataFrame({"income": [">50K", None, "<=50K", None]}), ">50K", 0.25),
    ]
    for table, label, want in cases:
        got = _number(
            _call(label_share, "label_share", table.copy(), "income", label),
            "The share of rows with the label",
        )
        if want > 0 and np.isclose(got, want * len(table)) and not np.isclose(got, want):
            _fail(f"You returned the number of rows ({got:g}); divide by the number of rows.")
        if not np.isclose(got, want, atol=1e-9):
            hint = ""
            if np.isclose(got, 1 - want):
                hint = " You counted the rows that do NOT have the label."
            elif table["income"].isna().any() and np.isclose(got, 1 / 2):
                hint = " Divide by all rows, including those with a missing label."
            _fail(
                f"For {len(table)} rows with labels {table['income'].tolist()} the share of "
                f"{label!r} should be {want:g}, yours is {got:g}.{hint}"
            )
    _passed("Your share matches on 4 tables (mixed labels, none, all, missing values).")


@_own_rng
def check_balancing_plan(balancing_plan: Callable) -> None:
    """Check ``balancing_plan(counts) -> dict``: for class counts ``{label: count}``, the
    number of synthetic rows to add to each class so that every class has as many rows as
    the largest one (0 for the largest class).

    Examples
    --------
    >>> def balancing_plan(counts):
    ...     largest = max(counts.values())
    ...     return {label: largest - count for label, count in counts.items()}
    >>> check_balancing_plan(balancing_plan)
    Correct! Your plan balances 4 sets of class counts, with 0 rows for the largest class.
    """
    cases = [
        {"<=50K": 22720, ">50K": 784},
        {"normal": 900, "dos": 80, "probe": 15},
        {"a": 5, "b": 5},
        {"only": 42},
    ]
    for counts in cases:
        got = _call(balancing_plan, "balancing_plan", dict(counts))
        largest = max(counts.values())
        want = {label: largest - count for label, count in counts.items()}
        if hasattr(got, "to_dict"):  # a pandas Series is fine too
            got = got.to_dict()
        if not isinstance(got, dict):
            _fail(
                "balancing_plan should return a dict {label: rows to add}, "
                f"got {type(got).__name__}."
            )
        if set(got) != set(counts):
            _fail(
                f"For counts {counts} the plan should have one entry per class {sorted(counts)}, "
                f"yours has {sorted(map(str, got))}."
            )
        values = {label: _number(got[label], f"The rows to add for {label!r}") for label in counts}
        if any(v < 0 for v in values.values()):
            _fail(
                f"For counts {counts} your plan {values} has negative entries: you cannot remove "
                "rows by sampling; fill every class up to the LARGEST class."
            )
        if values != want:
            hint = ""
            if all(np.isclose(values[k], largest) for k in counts if counts[k] < largest):
                hint = " Subtract the rows a class already has."
            _fail(f"For counts {counts} the plan should be {want}, yours is {values}.{hint}")
    _passed("Your plan balances 4 sets of class counts, with 0 rows for the largest class.")
