"""Checks of chapter 06, *Classifying circles* (``notebooks/06_circles_classification.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from tabgen_lib.validation import check_float, check_int, forked_torch_rng

from ._core import _call, _fail, _own_rng, _passed, _train_student_model

__all__ = ["check_build_classifier", "check_collapse_linears"]


@_own_rng
def check_build_classifier(
    build_classifier: Callable, *, epochs: int = 500, threshold: float = 0.9
) -> None:
    """Check ``build_classifier() -> nn.Module``: a model that separates two circles.

    The check draws fresh ``make_circles`` data (1000 points, noise 0.03, factor 0.7),
    builds your model (seeded), trains it with Adam (learning rate 0.01, full batch,
    ``BCEWithLogitsLoss``) for ``epochs`` epochs (a positive integer) on 80 % of the
    points and accepts it when its accuracy on the other 20 % is at least ``threshold``
    (between 0 and 1).  The model must map ``(n, 2)`` inputs to ``(n, 1)`` logits.

    Examples
    --------
    >>> from torch import nn
    >>> def build_classifier():
    ...     return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
    ...                          nn.Linear(16, 1))
    >>> check_build_classifier(build_classifier)  # doctest: +ELLIPSIS
    Correct! Test accuracy ... after 500 epochs of Adam (threshold 0.9).
    """
    # imported here: scikit-learn and the metrics are only needed once this check runs
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    from tabgen_lib.metrics import binary_accuracy

    epochs = check_int(epochs, "epochs", min_value=1)
    threshold = check_float(threshold, "threshold", min_value=0, max_value=1)
    X, y = make_circles(n_samples=1000, noise=0.03, factor=0.7, random_state=123)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=123)
    X_tr, X_te = (torch.tensor(a, dtype=torch.float32) for a in (X_tr, X_te))
    y_tr, y_te = (torch.tensor(a, dtype=torch.float32).unsqueeze(1) for a in (y_tr, y_te))
    model = _train_student_model(
        build_classifier, "build_classifier", X_tr, y_tr, torch.nn.BCEWithLogitsLoss(), steps=epochs
    )
    with torch.no_grad():
        accuracy = binary_accuracy(model(X_te), y_te)
    if accuracy < threshold:
        _fail(
            f"Test accuracy {accuracy:.3f} is below {threshold}. A model without non-linear "
            "activations draws a straight boundary: add hidden layers with nn.ReLU() between "
            "the nn.Linear layers, and output raw logits (no sigmoid at the end)."
        )
    _passed(f"Test accuracy {accuracy:.3f} after {epochs} epochs of Adam (threshold {threshold}).")


@_own_rng
def check_collapse_linears(collapse_linears: Callable) -> None:
    """Check ``collapse_linears(layers) -> nn.Linear``: one layer equal to a stack of
    ``nn.Linear`` layers applied one after another (with no activation between them).

    Examples
    --------
    >>> import torch
    >>> def collapse_linears(layers):
    ...     W, b = layers[0].weight, layers[0].bias
    ...     for layer in layers[1:]:
    ...         W, b = layer.weight @ W, layer.weight @ b + layer.bias
    ...     single = torch.nn.Linear(W.shape[1], W.shape[0])
    ...     with torch.no_grad():
    ...         single.weight.copy_(W); single.bias.copy_(b)
    ...     return single
    >>> check_collapse_linears(collapse_linears)
    Correct! One nn.Linear reproduces stacks of 2 and 3 linear layers.
    """
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(20, 2, generator=gen)
    with forked_torch_rng(6):
        stacks = [
            [torch.nn.Linear(2, 5), torch.nn.Linear(5, 1)],
            [torch.nn.Linear(2, 8), torch.nn.Linear(8, 3), torch.nn.Linear(3, 1)],
        ]
    for layers in stacks:
        with torch.no_grad():
            want = torch.nn.Sequential(*layers)(x)
        single = _call(collapse_linears, "collapse_linears", list(layers))
        if not isinstance(single, torch.nn.Linear):
            _fail(f"`collapse_linears` should return an nn.Linear, got {type(single).__name__}.")
        if (single.in_features, single.out_features) != (2, 1):
            _fail(
                f"The single layer should map 2 inputs to 1 output, got "
                f"nn.Linear({single.in_features}, {single.out_features})."
            )
        with torch.no_grad():
            got = single(x)
            weight = layers[0].weight
            for layer in layers[1:]:
                weight = layer.weight @ weight
        if not torch.allclose(got, want, atol=1e-5):
            if torch.allclose(single.weight.detach(), weight, atol=1e-5):
                hint = " The weight is right; each later layer also transforms the earlier bias: "
                hint += "b = W2 @ b1 + b2."
            else:
                hint = " The weights multiply right to left: W = W_last @ ... @ W_first."
            _fail(f"Your layer differs from the stack of {len(layers)} layers.{hint}")
    _passed("One nn.Linear reproduces stacks of 2 and 3 linear layers.")
