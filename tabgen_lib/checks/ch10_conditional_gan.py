"""Checks of chapter 10, *Conditional GAN* (``notebooks/10_conditional_gan.ipynb``).

The exercises are on how the conditional generator sees its labels: drawing label codes
with their training shares (what ``AEGAN.sample`` does without a condition, and what the
generator's training steps do), and how many rows of a rare label a training batch holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = [
    "check_draw_label_codes",
    "check_minority_batch_stats",
    # the exercises of earlier versions of the chapter (submitted notebooks still call them)
    "check_label_share",
    "check_balancing_plan",
]


def _codes(result, n: int, n_labels: int) -> torch.Tensor:
    if isinstance(result, np.ndarray):
        result = torch.as_tensor(result)
    if not isinstance(result, torch.Tensor):
        _fail(f"`draw_label_codes` should return a tensor of codes, got {type(result).__name__}.")
    if result.dtype.is_floating_point or result.dtype == torch.bool:
        _fail(f"The codes should be integers (torch.long), got dtype {result.dtype}.")
    if tuple(result.shape) != (n,):
        _fail(f"For n={n} return {n} codes (shape ({n},)), got shape {tuple(result.shape)}.")
    if len(result) and (int(result.min()) < 0 or int(result.max()) >= n_labels):
        _fail(f"Codes must lie in 0 .. {n_labels - 1} (one per label), got {result.unique()}.")
    return result.long()


@_own_rng
def check_draw_label_codes(draw_label_codes: Callable) -> None:
    """Check ``draw_label_codes(shares, n, generator) -> tensor``: ``n`` label codes drawn
    independently with probabilities ``shares`` (a float tensor that sums to 1), from the
    given ``torch.Generator`` only (same generator state, same codes).

    Examples
    --------
    >>> import torch
    >>> def draw_label_codes(shares, n, generator):
    ...     return torch.multinomial(shares, n, replacement=True, generator=generator)
    >>> check_draw_label_codes(draw_label_codes)
    Correct! Your codes follow the shares (3 label sets) and come from the generator you pass.
    """
    n = 200_000
    for shares in ([0.76, 0.24], [0.967, 0.033], [0.5, 0.3, 0.15, 0.05]):
        shares = torch.tensor(shares)
        gen = torch.Generator().manual_seed(3)
        got = _codes(
            _call(draw_label_codes, "draw_label_codes", shares.clone(), n, gen), n, len(shares)
        )
        freq = torch.bincount(got, minlength=len(shares)).double() / n
        if torch.allclose(freq, shares.double(), atol=0.01):
            continue
        hint = ""
        if torch.allclose(freq, torch.full_like(freq, 1 / len(shares)), atol=0.01):
            hint = (
                " Every label comes out equally often: weight the draw by the shares "
                "(torch.multinomial(shares, n, replacement=True, generator=...))."
            )
        elif freq.max() > 0.999:
            hint = " You always return one label; draw each code at random."
        _fail(
            f"With shares {shares.tolist()} the codes' frequencies should be close to them, "
            f"got {[round(f, 3) for f in freq.tolist()]}.{hint}"
        )
    shares = torch.tensor([0.6, 0.4])
    torch.default_generator.manual_seed(0)  # the CPU generator, in the check's own fork
    first = _codes(
        _call(draw_label_codes, "draw_label_codes", shares, 500, torch.Generator().manual_seed(7)),
        500,
        2,
    )
    torch.default_generator.manual_seed(1)
    again = _codes(
        _call(draw_label_codes, "draw_label_codes", shares, 500, torch.Generator().manual_seed(7)),
        500,
        2,
    )
    if not torch.equal(first, again):
        _fail(
            "Two calls with generators in the same state gave different codes: draw from the "
            "`generator` argument (generator=generator), not from PyTorch's global random state."
        )
    _passed("Your codes follow the shares (3 label sets) and come from the generator you pass.")


@_own_rng
def check_minority_batch_stats(minority_batch_stats: Callable) -> None:
    """Check ``minority_batch_stats(share, batch_size) -> (mean, std, p_none)``: the number of
    rows of a label with training share ``share`` in a batch of ``batch_size`` rows drawn at
    random is binomial: mean ``batch_size * share``, standard deviation
    ``sqrt(batch_size * share * (1 - share))``, and probability ``(1 - share) ** batch_size``
    that the batch holds none.

    Examples
    --------
    >>> def minority_batch_stats(share, batch_size):
    ...     mean = batch_size * share
    ...     std = (batch_size * share * (1 - share)) ** 0.5
    ...     return mean, std, (1 - share) ** batch_size
    >>> check_minority_batch_stats(minority_batch_stats)
    Correct! Your mean, standard deviation and chance of no minority row are right in 4 cases.
    """
    for share, batch in ((0.033, 512), (0.24, 512), (0.01, 64), (0.5, 10)):
        result = _call(minority_batch_stats, "minority_batch_stats", share, batch)
        if not isinstance(result, tuple | list) or len(result) != 3:
            _fail("`minority_batch_stats` should return three numbers: (mean, std, p_none).")
        names = ("mean", "std", "p_none")
        mean, std, p_none = (_number(v, what) for v, what in zip(result, names, strict=True))
        want = (batch * share, math.sqrt(batch * share * (1 - share)), (1 - share) ** batch)
        if not math.isclose(mean, want[0], rel_tol=1e-9):
            hint = " The mean count is batch_size * share." if math.isclose(mean, share) else ""
            _fail(
                f"For share {share} and batch {batch} the mean is {want[0]:g}, got {mean:g}.{hint}"
            )
        if not math.isclose(std, want[1], rel_tol=1e-9):
            hint = ""
            if math.isclose(std, want[1] ** 2, rel_tol=1e-9):
                hint = " That is the variance; the standard deviation is its square root."
            elif math.isclose(std, math.sqrt(batch * share), rel_tol=1e-9):
                hint = " That is Poisson's; the binomial variance has the factor (1 - share)."
            _fail(
                f"For share {share} and batch {batch} the std is {want[1]:.4f}, "
                f"got {std:.4f}.{hint}"
            )
        if not math.isclose(p_none, want[2], rel_tol=1e-9, abs_tol=1e-300):
            hint = ""
            if math.isclose(p_none, 1 - share, rel_tol=1e-9):
                hint = " Every one of the batch_size rows must miss the label: raise to that power."
            elif math.isclose(p_none, share**batch, rel_tol=1e-9, abs_tol=1e-300):
                hint = " That is the chance that *all* rows carry the label."
            _fail(
                f"For share {share} and batch {batch} the chance of no minority row is "
                f"{want[2]:.3g}, got {p_none:.3g}.{hint}"
            )
    _passed("Your mean, standard deviation and chance of no minority row are right in 4 cases.")


# ---------------------------------------------------------------- earlier exercises


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
