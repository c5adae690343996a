"""Small neural networks shared by the chapters."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

__all__ = ["ACTIVATIONS", "mlp"]

#: Activation functions by name, for :func:`mlp`.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
}


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    output_activation: str | None = None,
) -> nn.Sequential:
    """Build a multi-layer perceptron: ``Linear -> activation [-> Dropout]`` per hidden layer.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and of the output.
    hidden : sequence of int
        Width of each hidden layer; ``[]`` gives a single linear layer.
    activation : str
        One of :data:`ACTIVATIONS` (``"relu"``, ``"leaky_relu"``, ``"tanh"``, ...).
    dropout : float
        Dropout probability after each hidden activation (0 disables it).
    output_activation : str, optional
        An activation after the last layer (e.g. ``"tanh"``); none by default.

    Examples
    --------
    >>> mlp(1, [64], 1)
    Sequential(
      (0): Linear(in_features=1, out_features=64, bias=True)
      (1): ReLU()
      (2): Linear(in_features=64, out_features=1, bias=True)
    )
    """
    for name, value in (("in_features", in_features), ("out_features", out_features)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    hidden = list(hidden)
    if any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
        raise ValueError(f"hidden must be a list of positive integers, got {hidden!r}.")
    for name, act in (("activation", activation), ("output_activation", output_activation)):
        if act is not None and act not in ACTIVATIONS:
            raise ValueError(f"Unknown {name} {act!r}; choose from {sorted(ACTIVATIONS)}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, out_features))
    if output_activation:
        layers.append(ACTIVATIONS[output_activation]())
    return nn.Sequential(*layers)
