"""The label of a conditional GAN: which rows carry which label, as codes and one-hot vectors.

A conditional :class:`~tabgen_lib.aegan.AEGAN` (``conditional_on="income"``) learns the
other columns *given* the label. The label column is turned into integer codes
:math:`y \\in \\{0, \\dots, L-1\\}` (labels sorted), the networks see the one-hot vector
:math:`e_y \\in \\{0, 1\\}^L`, and sampling asks either for one label (all rows carry it)
or draws the codes with the labels' training shares :math:`\\hat p_l = n_l / n`.

Examples
--------
>>> labels, codes, shares = fit_labels(pd.Series(["no", "yes", "no", "no"]), "income")
>>> labels, codes.tolist(), shares.tolist()
(['no', 'yes'], [0, 1, 0, 0], [0.75, 0.25])
>>> one_hot(codes[:2], len(labels)).tolist()
[[1.0, 0.0], [0.0, 1.0]]
>>> condition_codes(3, "yes", labels, shares, torch.Generator(), "income").tolist()
[1, 1, 1]
"""

from __future__ import annotations

import pandas as pd
import torch
from torch.nn import functional as F

__all__ = ["condition_codes", "fit_labels", "insert_labels", "one_hot", "split_label"]


def fit_labels(column: pd.Series, name) -> tuple[list, torch.Tensor, torch.Tensor]:
    """``(labels, codes, shares)`` of a label column: the sorted labels, each row's code
    (a ``long`` tensor) and each label's share of the rows (a ``float`` tensor).

    A missing label raises a :class:`ValueError`: a row without a label cannot teach what
    the label changes.
    """
    if column.isna().any():
        raise ValueError(
            f"The label column {name!r} has missing values: drop those rows or fill them "
            "with a category of their own before fitting a conditional model."
        )
    labels = sorted(column.unique().tolist(), key=lambda v: (str(type(v)), v))
    index = {v: i for i, v in enumerate(labels)}
    codes = torch.tensor(column.astype(object).map(index).to_numpy(dtype="int64"))
    shares = torch.bincount(codes, minlength=len(labels)).float() / len(codes)
    return labels, codes, shares


def split_label(data: pd.DataFrame, name) -> tuple:
    """``(features, labels, codes, shares, dtype)``: the columns besides the label ``name``
    and :func:`fit_labels`'s output, or ``(data, [], None, torch.ones(0), None)`` when
    ``name`` is ``None`` (a plain model)."""
    if name is None:
        return data, [], None, torch.ones(0), None
    features = data.drop(columns=[name])
    if features.shape[1] == 0:
        raise ValueError("A conditional model needs at least one column besides the label.")
    return features, *fit_labels(data[name], name), data[name].dtype


def one_hot(codes: torch.Tensor, n_labels: int) -> torch.Tensor:
    """The one-hot vectors :math:`e_y` of the codes, as floats (the networks' input)."""
    return F.one_hot(codes, n_labels).float()


def condition_codes(
    n: int, condition, labels: list, shares: torch.Tensor, rng: torch.Generator, name
) -> torch.Tensor | None:
    """The codes of ``n`` rows to generate (on the CPU), ``None`` for a plain model.

    ``condition=None`` draws them from the training shares with ``rng``; a label gives
    ``n`` copies of its code. A condition for a plain model, or a label never seen in
    training, raises a :class:`ValueError`.
    """
    if not labels:
        if condition is not None:
            raise ValueError(
                "This model is not conditional: build it with AEGAN(conditional_on=<column>) "
                "to sample with a condition."
            )
        return None
    if condition is None:
        return torch.multinomial(shares, n, replacement=True, generator=rng)
    if condition not in labels:
        raise ValueError(
            f"condition={condition!r} was never seen in column {name!r} during training; "
            f"choose one of {labels}."
        )
    return torch.full((n,), labels.index(condition), dtype=torch.long)


def insert_labels(frame: pd.DataFrame, name, position: int, values, dtype) -> pd.DataFrame:
    """``frame`` with the label column ``name`` (``values``, one per row, of the training
    ``dtype``) inserted at ``position``: the label is the condition, it is not decoded."""
    if values is None or len(values) != len(frame):
        raise ValueError("A conditional model's decode needs one label per latent row.")
    frame.insert(position, name, pd.Series(list(values), index=frame.index).astype(dtype))
    return frame
