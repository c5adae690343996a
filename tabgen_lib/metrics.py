"""Metrics: single numbers that say how well a model does.

Every metric takes plain tensors or arrays and returns a Python ``float``, so it can be
printed, stored in a training history or passed to ``tabgen_lib.train(metrics=...)``.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["binary_accuracy"]


def _flat_tensor(values, name: str) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        tensor = values.detach()
    elif isinstance(values, np.ndarray | list | tuple):
        try:
            tensor = torch.as_tensor(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers only.") from None
    else:
        raise TypeError(
            f"{name} must be a torch.Tensor, NumPy array or list, got {type(values).__name__}."
        )
    tensor = tensor.reshape(-1)
    if tensor.numel() == 0:
        raise ValueError(f"{name} is empty: it needs at least one value.")
    return tensor


def binary_accuracy(logits, targets) -> float:
    """Fraction of examples whose predicted class matches the 0/1 target.

    A binary classifier trained with ``nn.BCEWithLogitsLoss`` outputs *logits*
    :math:`s`; the predicted probability of class 1 is :math:`\\sigma(s)`, which is above
    one half exactly when :math:`s > 0`.  So the predicted class is ``logits > 0``
    (a logit of exactly 0 counts as class 0), and no sigmoid is needed.

    Parameters
    ----------
    logits : tensor, array or list
        The model's raw outputs, shape ``(n,)`` or ``(n, 1)``.
    targets : tensor, array or list
        The true classes, 0 or 1, with the same number of values as ``logits``
        (shapes ``(n,)`` and ``(n, 1)`` may be mixed: both are flattened).

    Returns
    -------
    float
        Accuracy between 0 and 1.

    Raises
    ------
    TypeError
        An argument is not a tensor, array or list of numbers.
    ValueError
        Empty inputs, different numbers of values, or targets other than 0 and 1.

    Examples
    --------
    >>> import torch
    >>> binary_accuracy(torch.tensor([2.0, -1.0, 0.5, -3.0]), torch.tensor([1, 0, 0, 0]))
    0.75
    >>> binary_accuracy([[0.3], [-0.2]], [1, 1])  # an (n, 1) column and an (n,) vector
    0.5
    """
    logits = _flat_tensor(logits, "logits")
    targets = _flat_tensor(targets, "targets")
    if logits.numel() != targets.numel():
        raise ValueError(
            f"logits has {logits.numel()} values but targets has {targets.numel()}: "
            "give one logit per target."
        )
    if not ((targets == 0) | (targets == 1)).all():
        raise ValueError("targets must be class labels 0 and 1 only.")
    predicted = (logits > 0).to(targets.dtype)
    return float((predicted == targets).double().mean())
