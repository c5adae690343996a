"""Input checks shared by the library's modules (private: not part of the course API)."""

from __future__ import annotations

import numpy as np
import torch


def as_1d_array(values, name: str) -> np.ndarray:
    """A flat float array without NaN, from a list, NumPy array or tensor.

    Raises ``TypeError`` for text or non-numbers and ``ValueError`` for empty input or NaN,
    naming the argument.

    Examples
    --------
    >>> as_1d_array([[1, 2], [3, 4]], "x")
    array([1., 2., 3., 4.])
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if isinstance(values, str | bytes) or values is None:
        raise TypeError(f"{name} must be numbers (a list, NumPy array or tensor).")
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers only.") from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty.")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN values.")
    return arr


def positive_int(value, name: str) -> int:
    """``value`` as an ``int`` if it is a positive integer, else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def positive_float(value, name: str) -> float:
    """``value`` as a ``float`` if it is a positive number, else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)
