"""Reproducibility and hardware: one seed for every random generator, one device choice."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from .validation import MAX_SEED, check_int

__all__ = ["set_seed", "get_device"]


def set_seed(seed: int) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and CUDA).

    Call it once, in a visible cell, before anything random happens.  It also returns
    a fresh ``numpy.random.Generator`` seeded with the same value, for code that
    prefers explicit generators.  (The library's own models do not need it: they take a
    ``random_state`` and leave these global generators alone.)

    Parameters
    ----------
    seed : int
        A non-negative integer below 2**32.

    Raises
    ------
    TypeError
        ``seed`` is not an integer.
    ValueError
        ``seed`` is negative or not below 2**32.

    Examples
    --------
    >>> import torch
    >>> _ = set_seed(0); a = torch.rand(2)
    >>> _ = set_seed(0); b = torch.rand(2)
    >>> bool(torch.equal(a, b))
    True
    """
    seed = check_int(seed, "seed", min_value=0, max_value=MAX_SEED)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """Choose where tensors and models live: CUDA when available, else the CPU.

    Parameters
    ----------
    prefer : {"cpu", "cuda", "cuda:N", None} or torch.device
        Force a device, as text or as a :class:`torch.device` of type ``cpu`` or ``cuda``.
        ``None`` (the default) reads the environment variable ``TABGEN_DEVICE`` and, when
        that is unset too, picks CUDA if PyTorch sees a GPU.

    Raises
    ------
    TypeError
        ``prefer`` is neither text, a ``torch.device`` nor ``None``.
    ValueError
        The requested device is unknown, or CUDA is requested but not available.

    Examples
    --------
    >>> get_device("cpu")
    device(type='cpu')
    >>> get_device(torch.device("cpu"))
    device(type='cpu')
    """
    choice = prefer if prefer is not None else os.environ.get("TABGEN_DEVICE") or None
    if choice is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(choice, torch.device):
        choice = str(choice)  # "cpu", "cuda" or "cuda:1"; checked like text below
    if not isinstance(choice, str):
        raise TypeError(
            f"prefer must be 'cpu', 'cuda', a torch.device or None, got {type(choice).__name__}."
        )
    kind = choice.strip().lower()
    if kind.split(":")[0] not in {"cpu", "cuda"}:
        raise ValueError(f"Unknown device {choice!r}: use 'cpu' or 'cuda'.")
    if kind.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"Device {choice!r} was requested but PyTorch sees no CUDA GPU. "
            "Use 'cpu' (or unset TABGEN_DEVICE to choose automatically)."
        )
    return torch.device(kind)
