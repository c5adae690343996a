"""Metrics: numbers that say how well a model does.

Classification metrics take plain tensors or arrays and return a Python ``float``, so
they can be printed, stored in a training history or passed to
``tabgen_lib.train(metrics=...)``: :func:`binary_accuracy`.

Table metrics compare a synthetic table with a real one.  They take mixed-type
:class:`pandas.DataFrame` objects with the same columns and, like ``ctgan``, a
``discrete_columns`` argument naming the discrete columns; every other column is
continuous and must be numeric and complete (missing numbers raise a :class:`ValueError`
that says so).  A discrete column may hold missing values (NaN, None): they count as a
category of their own, as in :class:`~tabgen_lib.transforms.TabularTransformer` and the
samples of :class:`~tabgen_lib.aegan.AEGAN`.  They live in two modules, one per concern,
and are all importable from here:

- :mod:`tabgen_lib.metrics_detection` -- fidelity and utility, with classifiers:
  :func:`detection_auc`, :func:`efficacy`;
- :mod:`tabgen_lib.metrics_dcr` -- privacy: :func:`exact_copy_share`,
  :func:`distance_to_closest_record`, :func:`dcr_share`.

Both check their tables with :func:`tabgen_lib.metrics_tables.check_tables`.
"""

from __future__ import annotations

import numpy as np

from .metrics_dcr import dcr_share, distance_to_closest_record, exact_copy_share
from .metrics_detection import detection_auc, efficacy
from .validation import as_1d_array

__all__ = [
    "binary_accuracy",
    "dcr_share",
    "detection_auc",
    "distance_to_closest_record",
    "efficacy",
    "exact_copy_share",
]


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
        Empty inputs, NaN values (a diverged model: look at the loss), different numbers
        of values, or targets other than 0 and 1.

    Examples
    --------
    >>> import torch
    >>> binary_accuracy(torch.tensor([2.0, -1.0, 0.5, -3.0]), torch.tensor([1, 0, 0, 0]))
    0.75
    >>> binary_accuracy([[0.3], [-0.2]], [1, 1])  # an (n, 1) column and an (n,) vector
    0.5
    """
    logits = as_1d_array(logits, "logits")
    targets = as_1d_array(targets, "targets")
    if logits.size != targets.size:
        raise ValueError(
            f"logits has {logits.size} values but targets has {targets.size}: "
            "give one logit per target."
        )
    if not np.isin(targets, (0, 1)).all():
        raise ValueError("targets must be class labels 0 and 1 only.")
    predicted = logits > 0
    return float(np.mean(predicted == targets))
