"""A small, general training loop for supervised PyTorch models."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .runtime import get_device
from .validation import (
    as_1d_array,
    check_int,
    check_random_state,
    forked_torch_rng,
    torch_generator,
)

__all__ = ["as_tensor", "train"]

Metric = Callable[[torch.Tensor, torch.Tensor], float]


def as_tensor(values, *, name: str = "data", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Turn a NumPy array, list or tensor into a tensor of ``dtype``, checking it is usable.

    Raises ``TypeError`` for anything but numbers and ``ValueError`` for empty data or
    missing values (NaN), with the argument's ``name`` in the message (the checks of
    :func:`tabgen_lib.validation.as_1d_array`); the shape is kept.

    Examples
    --------
    >>> as_tensor([[1, 2], [3, 4]]).shape
    torch.Size([2, 2])
    """
    flat = as_1d_array(values, name)
    shape = tuple(values.shape) if isinstance(values, torch.Tensor) else np.shape(values)
    if len(shape) == 0:
        raise ValueError(f"{name} is a single number: it needs at least one row.")
    return torch.as_tensor(flat.reshape(shape), dtype=dtype)


def _is_integer(values) -> bool:
    if isinstance(values, torch.Tensor):
        return not (values.is_floating_point() or values.is_complex() or values.dtype == torch.bool)
    if isinstance(values, np.ndarray | list | tuple):
        try:
            return np.asarray(values).dtype.kind in "iu"
        except (TypeError, ValueError):  # ragged: as_tensor reports it
            return False
    return False


def _as_target(values, *, name: str) -> torch.Tensor:
    # integer targets (class indices, e.g. for nn.CrossEntropyLoss) stay integer, as
    # int64; all others become float32 (nn.MSELoss, nn.BCEWithLogitsLoss, ...)
    dtype = torch.long if _is_integer(values) else torch.float32
    return as_tensor(values, name=name, dtype=dtype)


def _evaluate(model, loss_fn, X, y, metrics):
    model.eval()
    with torch.no_grad():
        out = model(X)
        results = {"loss": float(loss_fn(out, y))}
        for key, fn in metrics.items():
            results[key] = float(fn(out, y))
    return results


def train(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    X,
    y,
    *,
    epochs: int,
    X_val=None,
    y_val=None,
    batch_size: int | None = None,
    metrics: Mapping[str, Metric] | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
    desc: str = "training",
    random_state: int | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs`` passes over ``(X, y)`` and return the history.

    Each epoch: forward pass, loss, ``loss.backward()``, ``optimizer.step()`` -- on the
    whole data at once (``batch_size=None``, the default) or on shuffled mini-batches.
    After each epoch the model is evaluated (in ``eval`` mode, without gradients) on
    the training data and, when given, on ``(X_val, y_val)``.

    Randomness (the order of the mini-batches, and anything random inside the model such
    as dropout) comes from ``random_state``, not from PyTorch's global generator, which is
    left as it was: the same ``random_state`` and the same starting model give the same
    history.

    Parameters
    ----------
    model : torch.nn.Module
    loss_fn : callable
        ``loss_fn(output, target)`` returning a scalar tensor, e.g. ``nn.MSELoss()``.
    optimizer : torch.optim.Optimizer
        Built on ``model.parameters()``.
    X, y : tensor, array or list
        Inputs and targets, with the same number of rows. Inputs become float32.
        Integer targets (class indices, as ``nn.CrossEntropyLoss`` wants them) become
        int64; all other targets become float32 (so give ``nn.BCEWithLogitsLoss`` its
        0/1 labels as floats).
    epochs : int
        Number of passes over the data (at least 1).
    X_val, y_val : optional
        Held-out data, evaluated after every epoch.
    batch_size : int, optional
        Mini-batch size; ``None`` uses all rows in one step.
    metrics : dict, optional
        Extra per-epoch numbers, ``name -> fn(output, target)`` (e.g. accuracy).
    device : optional
        Where to train (``"cpu"``, ``"cuda"``, a ``torch.device``); defaults to
        :func:`~tabgen_lib.runtime.get_device`.
    progress : bool
        Show a tqdm progress bar with the latest losses.
    desc : str
        The progress bar's label.
    random_state : int, optional
        Seed of the mini-batch order and of the model's own randomness (dropout);
        ``None`` draws a fresh seed, so two calls differ.

    Returns
    -------
    dict of lists
        ``"loss"`` and each metric per epoch on the training data; ``"val_loss"`` and
        ``"val_<metric>"`` when validation data is given.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> X = torch.linspace(0, 1, 20).unsqueeze(1); y = 2 * X + 1
    >>> model = nn.Linear(1, 1)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.5)
    >>> history = train(model, nn.MSELoss(), opt, X, y, epochs=200, progress=False)
    >>> history["loss"][-1] < 1e-3
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}."
        )
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable, e.g. torch.nn.MSELoss().")
    epochs = check_int(epochs, "epochs", min_value=1)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", min_value=1)
    if (X_val is None) != (y_val is None):
        raise ValueError("Give both X_val and y_val, or neither.")
    if metrics is not None and not isinstance(metrics, Mapping):
        raise TypeError("metrics must be a dict of name -> fn(output, target), e.g. {'mae': mae}.")
    metrics = dict(metrics or {})
    not_callable = [key for key, fn in metrics.items() if not callable(fn)]
    if not_callable:
        raise TypeError(f"metrics {not_callable} are not functions fn(output, target).")
    seed = check_random_state(random_state)

    device = get_device(device)
    X, y = as_tensor(X, name="X").to(device), _as_target(y, name="y").to(device)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}: they must match.")
    has_val = X_val is not None
    if has_val:
        X_val = as_tensor(X_val, name="X_val").to(device)
        y_val = _as_target(y_val, name="y_val").to(device)
        if X_val.shape[0] != y_val.shape[0]:
            raise ValueError("X_val and y_val must have the same number of rows.")
    model.to(device)

    history: dict[str, list[float]] = {"loss": [], **{k: [] for k in metrics}}
    if has_val:
        history.update({"val_loss": [], **{f"val_{k}": [] for k in metrics}})

    n = X.shape[0]
    shuffle = torch_generator(seed)  # the mini-batch order, drawn on the CPU
    # progress=False hides the bar; otherwise tqdm's own settings apply (TQDM_DISABLE=1)
    hide = {} if progress else {"disable": True}
    bar = tqdm(range(epochs), desc=desc, mininterval=0.5, **hide)
    with forked_torch_rng(seed, device):  # dropout & co. draw from random_state
        for _ in bar:
            model.train()
            order = torch.randperm(n, generator=shuffle).to(device) if batch_size else None
            for start in range(0, n, batch_size or n):
                idx = order[start : start + batch_size] if batch_size else slice(None)
                optimizer.zero_grad()
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
            for key, value in _evaluate(model, loss_fn, X, y, metrics).items():
                history[key].append(value)
            if has_val:
                for key, value in _evaluate(model, loss_fn, X_val, y_val, metrics).items():
                    history[f"val_{key}"].append(value)
            if progress:
                bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in history.items()}, refresh=False)
    return history
