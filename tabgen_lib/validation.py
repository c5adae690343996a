"""One policy for checking inputs and for randomness, used by every module of the library.

The rules, written once:

- **Errors.** A value of the wrong *type* raises :class:`TypeError`; a value of the right
  type that is out of range, empty or inconsistent raises :class:`ValueError`; a model used
  before ``fit`` raises scikit-learn's :class:`~sklearn.exceptions.NotFittedError`. Every
  message names the argument and says what to do.
- **Vocabulary.** A table has *discrete* columns (categories, listed in
  ``discrete_columns`` as in ctgan) and *continuous* columns (numbers); every other column
  is continuous. Missing values are allowed in discrete columns only, where they are a
  category of their own.
- **Randomness.** A model takes ``random_state`` (an ``int`` or ``None``) in its constructor
  and draws only from generators it owns: fitting twice with the same ``random_state``
  gives the same model, ``sample`` is reproducible, and the caller's global random state
  (Python, NumPy, PyTorch on CPU and CUDA) is left as it was.

Scikit-learn's own utilities do the work where they fit (:func:`sklearn.utils.check_scalar`,
:func:`sklearn.utils.validation.check_is_fitted`).
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_scalar

__all__ = [
    "NotFittedError",
    "as_1d_array",
    "check_discrete_columns",
    "check_fitted",
    "check_float",
    "check_int",
    "check_random_state",
    "check_table",
    "check_tables",
    "forked_torch_rng",
    "positive_float",
    "positive_int",
    "torch_generator",
]

#: Largest seed: NumPy's and PyTorch's generators both accept ``0 <= seed < 2**32``.
MAX_SEED = 2**32 - 1


# ---------------------------------------------------------------------------- scalars


def check_int(value, name: str, *, min_value: int | None = 1, max_value: int | None = None) -> int:
    """``value`` as an ``int`` within ``[min_value, max_value]``.

    ``TypeError`` if it is not an integer (``True`` and ``2.0`` are not), ``ValueError`` if
    it is out of range.

    Examples
    --------
    >>> check_int(3, "epochs")
    3
    >>> check_int(0, "epochs")
    Traceback (most recent call last):
    ...
    ValueError: epochs == 0, must be >= 1.
    >>> check_int(2.0, "epochs")
    Traceback (most recent call last):
    ...
    TypeError: epochs must be an instance of int, not float.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an instance of int, not bool.")
    return int(check_scalar(value, name, numbers.Integral, min_val=min_value, max_val=max_value))


def check_float(
    value,
    name: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    include_min: bool = True,
    include_max: bool = True,
) -> float:
    """``value`` as a ``float`` within the given bounds (integers are accepted).

    ``TypeError`` if it is not a real number, ``ValueError`` if it is NaN or out of range.

    Examples
    --------
    >>> check_float(1, "lr", min_value=0, include_min=False)
    1.0
    >>> check_float(0.0, "lr", min_value=0, include_min=False)
    Traceback (most recent call last):
    ...
    ValueError: lr == 0.0, must be > 0.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an instance of float, not bool.")
    if isinstance(value, numbers.Real) and np.isnan(value):
        raise ValueError(f"{name} is NaN: give a number.")
    # an absent bound's inclusion is irrelevant; scikit-learn wants it to match the other
    if max_value is None:
        include_max = include_min
    if min_value is None:
        include_min = include_max
    closed = {
        (True, True): "both",
        (True, False): "left",
        (False, True): "right",
        (False, False): "neither",
    }[(bool(include_min), bool(include_max))]
    return float(
        check_scalar(
            value,
            name,
            numbers.Real,
            min_val=min_value,
            max_val=max_value,
            include_boundaries=closed,
        )
    )


def positive_int(value, name: str) -> int:
    """``check_int(value, name, min_value=1)``: a positive integer."""
    return check_int(value, name, min_value=1)


def positive_float(value, name: str) -> float:
    """``check_float(value, name, min_value=0, include_min=False)``: a positive number."""
    return check_float(value, name, min_value=0, include_min=False)


# ---------------------------------------------------------------------------- arrays


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


# ---------------------------------------------------------------------------- tables


def check_discrete_columns(discrete_columns, columns, *, name: str = "discrete_columns") -> list:
    """``discrete_columns`` as a list, every name one of ``columns``.

    ``name`` is the argument's name in the messages (any list of column names can be
    checked: ``name="quasi_identifiers"``).

    Examples
    --------
    >>> check_discrete_columns(("b",), ["a", "b"])
    ['b']
    >>> check_discrete_columns("b", ["a", "b"])
    Traceback (most recent call last):
    ...
    TypeError: discrete_columns must be a list of column names, not a single string: write ['b'].
    """
    if isinstance(discrete_columns, str):
        raise TypeError(
            f"{name} must be a list of column names, not a single string: "
            f"write [{discrete_columns!r}]."
        )
    if not isinstance(discrete_columns, Iterable):
        raise TypeError(
            f"{name} must be a list of column names, e.g. ['sex', 'smoker'], "
            f"got {type(discrete_columns).__name__}."
        )
    discrete = list(discrete_columns)
    columns = list(columns)
    unknown = [c for c in discrete if c not in columns]
    if unknown:
        raise ValueError(
            f"{name} names columns that are not in the table: {unknown}. "
            f"The table's columns are {columns}."
        )
    return discrete


def check_table(data, discrete_columns: Iterable = (), *, name: str = "data") -> list:
    """Check a table against the course's rules; return ``discrete_columns`` as a list.

    ``data`` must be a non-empty :class:`pandas.DataFrame` with unique column names;
    ``discrete_columns`` a list of its columns; every other (continuous) column numeric
    (not bool) and complete. Discrete columns may hold missing values.

    Examples
    --------
    >>> check_table(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", None]}), ["b"])
    ['b']
    >>> check_table(pd.DataFrame({"a": [1.0, None]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: data has missing values in continuous column(s) ['a']: fill or drop ...
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(data).__name__}.")
    if len(data) == 0 or data.shape[1] == 0:
        raise ValueError(f"{name} is empty: it needs at least one row and one column.")
    if data.columns.duplicated().any():
        dup = sorted(map(str, data.columns[data.columns.duplicated()]))
        raise ValueError(f"{name} has duplicated column names {dup}: rename them first.")
    discrete = check_discrete_columns(discrete_columns, data.columns)
    continuous = [c for c in data.columns if c not in discrete]
    for column in continuous:
        values = data[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise ValueError(
                f"Column {column!r} of {name} is not numeric (dtype {values.dtype}) but is not "
                "listed in discrete_columns: add it to discrete_columns or convert it to numbers."
            )
    missing = [str(c) for c in continuous if data[c].isna().any()]
    if missing:
        raise ValueError(
            f"{name} has missing values in continuous column(s) {missing}: fill or drop those "
            "rows first (only discrete columns may hold missing values; they are a category of "
            "their own)."
        )
    return discrete


def check_tables(tables: dict, discrete_columns=()) -> tuple[list[pd.DataFrame], list]:
    """Check tables that a metric compares; return them aligned, and the discrete columns.

    ``tables`` maps each argument's name to its table (``{"real": real, "synthetic":
    synthetic}``): the names appear in the error messages.  The first table sets the
    columns and their order; every other table must have the same columns (in any order).

    Examples
    --------
    >>> real = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"]})
    >>> fake = pd.DataFrame({"c": ["a", None], "x": [3, 4]})
    >>> (_, aligned), discrete = check_tables({"real": real, "synthetic": fake}, ["c"])
    >>> list(aligned.columns), discrete
    (['x', 'c'], ['c'])
    >>> check_tables({"real": real, "synthetic": fake[["c"]]}, ["c"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: real and synthetic must have the same columns; missing from synthetic: ['x'], ...
    """
    (first_name, first), *others = tables.items()
    discrete = check_table(first, discrete_columns, name=first_name)
    columns = list(first.columns)
    aligned = [first]
    for name, frame in others:
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
        missing = [str(c) for c in columns if c not in frame.columns]
        extra = [str(c) for c in frame.columns if c not in columns]
        if missing or extra:
            raise ValueError(
                f"{first_name} and {name} must have the same columns; "
                f"missing from {name}: {missing}, only in {name}: {extra}."
            )
        frame = frame[columns]
        check_table(frame, discrete, name=name)
        aligned.append(frame)
    return aligned, discrete


# ---------------------------------------------------------------------------- fitted state


def check_fitted(model, attributes: str | list[str]) -> None:
    """Raise :class:`~sklearn.exceptions.NotFittedError` unless ``model`` has ``attributes``.

    Examples
    --------
    >>> class Model:
    ...     pass
    >>> check_fitted(Model(), "weights_")
    Traceback (most recent call last):
    ...
    sklearn.exceptions.NotFittedError: This Model is not fitted yet: call fit(data, ...) first.
    """
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    if not all(getattr(model, a, None) is not None for a in names):
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet: call fit(data, ...) first."
        )


# ---------------------------------------------------------------------------- randomness


def check_random_state(random_state) -> int:
    """A seed from ``random_state``: the integer itself, or a fresh one for ``None``.

    Models store the ``random_state`` they were given (scikit-learn's rule) and call this in
    ``fit``; with ``None`` every fit differs, with an integer every fit is the same.

    Examples
    --------
    >>> check_random_state(7)
    7
    >>> 0 <= check_random_state(None) <= MAX_SEED
    True
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    return check_int(random_state, "random_state", min_value=0, max_value=MAX_SEED)


def torch_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A PyTorch generator of its own on ``device``, seeded with ``seed``.

    Examples
    --------
    >>> a = torch.rand(2, generator=torch_generator(0))
    >>> b = torch.rand(2, generator=torch_generator(0))
    >>> bool(torch.equal(a, b))
    True
    """
    generator = torch.Generator(device=torch.device(device))
    generator.manual_seed(int(seed))
    return generator


@contextlib.contextmanager
def forked_torch_rng(seed: int, device: torch.device | str = "cpu") -> Iterator[None]:
    """Seed PyTorch's global generators for a block, and restore them afterwards.

    For code that cannot take a generator (``nn.Module`` initialisation, ``dropout``): the
    CPU generator is always forked and seeded; on a CUDA device that device's generator
    too. Nothing else changes, so the caller's random state is as it was.

    Examples
    --------
    >>> before = torch.random.get_rng_state()
    >>> with forked_torch_rng(0):
    ...     x = torch.rand(1)
    >>> bool(torch.equal(before, torch.random.get_rng_state()))
    True
    """
    device = torch.device(device)
    cuda = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.random.default_generator.manual_seed(int(seed))
        for index in cuda:
            torch.cuda.default_generators[index].manual_seed(int(seed))
        yield
