"""Keep copies of training rows out of a generator's samples: row fingerprints.

A generator that decodes to a grid of values (small integers, a few categories, continuous
columns snapped to their observed values) can draw a row that is identical to a training
row. On such a table even fresh rows of the population do: on a table of small integers
that the course does not use, 2-5 % of held-out real rows were exact copies of training
rows. A faithful generator copies about as often, and a copy is a real person's record
released as synthetic.

The latent generators (:class:`~tabgen_lib.latent_base.LatentModel`, ``reject_copies=True``)
therefore keep a *fingerprint* of every training row, a 64-bit hash, and redraw every
sampled row whose fingerprint is among them. Two rows are copies here exactly when
:func:`tabgen_lib.metrics.exact_copy_share` would call them copies: a column that is a
number is compared as ``float64`` (``3 == 3.0``), every other column as text (a missing
value equals any other missing value).

What the filter does not do: it removes *exact* copies only, a row one cent away from a
training row passes (look at :func:`tabgen_lib.metrics.distance_to_closest_record`); and it
is itself a use of the training rows after training, so it adds no formal guarantee and
breaks a differential-privacy one (a DP generator must not filter against its members).
Ganev & De Cristofaro (2023, https://arxiv.org/abs/2312.05114) show how filters of this kind
can even be exploited by an attacker who queries the generator. The fingerprints themselves
identify the training rows: anyone who holds the fitted model (or its saved file) can test
whether a given row was among them. Release synthetic rows, not the model.

- :func:`row_fingerprints` -- one ``uint64`` per row of a table
- :func:`find_copies` -- which rows of a table have a fingerprint in a set

Examples
--------
>>> import pandas as pd
>>> train = pd.DataFrame({"age": [30, 40], "smoker": ["no", "yes"]})
>>> known = row_fingerprints(train)
>>> sample = pd.DataFrame({"age": [30.0, 30.0, 40.0], "smoker": ["no", "yes", "yes"]})
>>> find_copies(sample, known).tolist()
[True, False, True]
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .metrics_tables import as_category_text

__all__ = ["find_copies", "row_fingerprints"]

_MULTIPLIER_1 = np.uint64(0xBF58476D1CE4E5B9)
_MULTIPLIER_2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every input bit moves about half of the output bits."""
    h = (h ^ (h >> np.uint64(30))) * _MULTIPLIER_1
    h = (h ^ (h >> np.uint64(27))) * _MULTIPLIER_2
    return h ^ (h >> np.uint64(31))


def _text_code(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _column_codes(column: pd.Series) -> np.ndarray:
    """Eight bytes per value: a number's ``float64`` bits, or a hash of the value's text."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan) + 0.0  # -0.0 -> 0.0
        values = np.where(np.isnan(values), np.nan, values)  # one bit pattern for NaN
        return values.astype("<f8").view("<u8").astype(np.uint64)
    text = as_category_text(column)
    codes = {value: _text_code(value) for value in pd.unique(text)}
    return np.fromiter((codes[value] for value in text), dtype=np.uint64, count=len(text))


def row_fingerprints(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit fingerprint per row of ``frame``, the same on every machine.

    Rows that :func:`tabgen_lib.metrics.exact_copy_share` calls copies get the same
    fingerprint, whatever the numeric dtype (``int64`` or ``float64``) or the text dtype
    (``object`` or ``category``) of a column; the columns are taken in ``frame``'s order.
    Two different rows share a fingerprint with probability about :math:`2^{-64}`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows, at least one column.

    Returns
    -------
    numpy.ndarray of uint64, shape (len(frame),)

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1, 2], "c": ["u", "v"]})
    >>> b = pd.DataFrame({"x": [1.0, 2.5], "c": pd.Categorical(["u", "v"])})
    >>> fa, fb = row_fingerprints(a), row_fingerprints(b)
    >>> bool(fa[0] == fb[0]), bool(fa[1] == fb[1])
    (True, False)
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}.")
    if frame.shape[1] == 0:
        raise ValueError("frame has no columns: there is nothing to fingerprint.")
    h = np.full(len(frame), _GOLDEN, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in frame.columns:
            h = _mix(h ^ _column_codes(frame[name])) + _GOLDEN
    return _mix(h)


def find_copies(frame: pd.DataFrame, fingerprints: np.ndarray) -> np.ndarray:
    """A boolean mask: the rows of ``frame`` whose fingerprint is in ``fingerprints``.

    ``fingerprints`` is what :func:`row_fingerprints` returned for the training rows (with
    their columns in the same order as ``frame``'s).
    """
    return np.isin(row_fingerprints(frame), np.asarray(fingerprints, dtype=np.uint64))
