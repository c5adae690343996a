"""Plots every chapter reuses.  Each returns the matplotlib ``Axes`` or ``Figure`` it drew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from .metrics_tables import as_category_text
from .validation import as_1d_array, check_discrete_columns, check_int, check_table

__all__ = [
    "plot_losses",
    "plot_predictions",
    "plot_decision_boundary",
    "plot_real_vs_synthetic",
    "plot_gan_architecture",
]


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_losses(
    history: Mapping[str, Sequence[float]],
    keys: Sequence[str] | None = None,
    *,
    ax=None,
    logy: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
):
    """Draw one line per entry of a training history (e.g. ``"loss"`` and ``"val_loss"``).

    Parameters
    ----------
    history : dict of sequences
        As returned by :func:`tabgen_lib.training.train`.
    keys : list of str, optional
        Which entries to draw; default: every entry whose name contains ``"loss"``.
    logy : bool
        Logarithmic y axis (useful when the loss spans orders of magnitude).

    Examples
    --------
    >>> ax = plot_losses({"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.3]})
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('epoch', 'loss')
    """
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history must be a dict of name -> list of numbers, got {type(history).__name__}."
        )
    if not history:
        raise ValueError("history is empty: it needs at least one entry, e.g. {'loss': [...]}.")
    if isinstance(keys, str):
        raise TypeError(
            f"keys must be a list of entry names, not a single string: write [{keys!r}]."
        )
    keys = list(keys) if keys is not None else [k for k in history if "loss" in str(k)]
    unknown = [k for k in keys if k not in history]
    if unknown:
        raise ValueError(f"Unknown history entries {unknown}; available: {list(history)}.")
    if not keys:
        raise ValueError(f"Nothing to plot: no entry named like a loss in {list(history)}.")
    curves = {key: as_1d_array(history[key], f"history[{key!r}]") for key in keys}
    ax = _axes(ax)
    for key, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_predictions(
    x,
    y,
    predictions: Mapping[str, Sequence[float]] | None = None,
    *,
    ax=None,
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = None,
    data_label: str = "data",
):
    """Scatter the data ``(x, y)`` and draw each model's predictions as a line.

    ``predictions`` maps a label (e.g. ``"fitted line"``) to one value per ``x``.

    Examples
    --------
    >>> ax = plot_predictions([0, 1, 2], [0.1, 0.9, 2.1], {"y = x": [0, 1, 2]})
    >>> len(ax.lines)
    1
    """
    x = as_1d_array(x, "x")
    y = as_1d_array(y, "y")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} values but y has {len(y)}: they must match.")
    ax = _axes(ax)
    ax.scatter(x, y, s=12, alpha=0.6, label=data_label)
    order = np.argsort(x)
    for label, values in (predictions or {}).items():
        values = as_1d_array(values, f"predictions[{label!r}]")
        if len(values) != len(x):
            raise ValueError(f"predictions[{label!r}] has {len(values)} values, x has {len(x)}.")
        ax.plot(x[order], values[order], linewidth=2, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_decision_boundary(
    model,
    X,
    y,
    *,
    ax=None,
    resolution: int = 200,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    title: str | None = None,
):
    """Colour the plane by a 2-D classifier's prediction and overlay the labelled points.

    ``model`` maps an ``(n, 2)`` float tensor to logits: shape ``(n,)`` or ``(n, 1)`` for
    binary classification (class 1 where the logit is positive), ``(n, k)`` for k classes.
    A ``torch.nn.Module`` predicts in ``eval`` mode and gets its training mode back after.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[-1.0, 0.0], [1.0, 0.0]]); y = torch.tensor([0, 1])
    >>> ax = plot_decision_boundary(lambda t: t[:, 0], X, y, resolution=20)
    >>> ax.get_xlabel()
    '$x_1$'
    """
    if not callable(model):
        raise TypeError("model must be callable (a torch.nn.Module or a function).")
    flat = as_1d_array(X, "X")
    shape = tuple(X.shape) if isinstance(X, torch.Tensor) else np.shape(X)
    if len(shape) != 2 or shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) for a 2-D plot, got {shape}.")
    X = flat.reshape(shape)
    y = as_1d_array(y, "y")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels.")
    resolution = check_int(resolution, "resolution", min_value=2)
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0) + 1e-9)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    xx, yy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)
    modes = {}
    if isinstance(model, torch.nn.Module):
        # predict in eval mode, then give every submodule its training mode back
        modes = {module: module.training for module in model.modules()}
        model.eval()
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        grid = grid.to(device)
    try:
        with torch.no_grad():
            logits = torch.as_tensor(model(grid)).detach().cpu()
    finally:
        for module, training in modes.items():
            module.training = training
    if logits.ndim == 2 and logits.shape[1] > 1:
        pred = logits.argmax(dim=1)
    else:
        pred = (logits.reshape(-1) > 0).long()
    ax = _axes(ax)
    ax.contourf(xx, yy, pred.numpy().reshape(xx.shape), alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=12, cmap="coolwarm", edgecolors="k", linewidths=0.2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_real_vs_synthetic(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    discrete_columns: Sequence[str] | None = None,
    ncols: int = 3,
    bins: int = 30,
    max_categories: int = 12,
):
    """Compare each column's distribution in real and synthetic data, side by side.

    Continuous columns get overlaid density histograms (on shared bins); discrete ones get
    paired bars of category shares (the ``max_categories`` most frequent in the real data;
    a missing value is a category of its own).

    Parameters
    ----------
    real, synthetic : pandas.DataFrame
        The drawn columns are checked as every table of the course
        (:func:`~tabgen_lib.validation.check_table`): continuous ones numeric and complete.
    columns : list of str, optional
        Columns to draw; default: all columns of ``real``.
    discrete_columns : list of str, optional
        The table's discrete columns (it may name columns that are not drawn); default:
        the drawn columns that do not hold numbers.
    ncols, bins, max_categories : int
        Panels per row, histogram bins, and bars per discrete column.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"age": [20, 30, 40], "sex": ["F", "M", "F"]})
    >>> fake = pd.DataFrame({"age": [25, 35, 45], "sex": ["M", "M", "F"]})
    >>> fig = plot_real_vs_synthetic(real, fake)
    >>> len(fig.axes)
    2
    """
    for name, frame in (("real", real), ("synthetic", synthetic)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    if isinstance(columns, str):
        raise TypeError(
            f"columns must be a list of names, not a single string: write [{columns!r}]."
        )
    columns = list(columns) if columns is not None else list(real.columns)
    for name, frame in (("real", real), ("synthetic", synthetic)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"Columns {missing} are not in the {name} data.")
    if discrete_columns is None:  # the columns that do not hold numbers
        discrete = [
            c
            for c in columns
            if not pd.api.types.is_numeric_dtype(real[c]) or pd.api.types.is_bool_dtype(real[c])
        ]
    else:  # the table may have more discrete columns than are drawn
        discrete = [
            c for c in check_discrete_columns(discrete_columns, real.columns) if c in columns
        ]
    for name, frame in (("real", real), ("synthetic", synthetic)):
        check_table(frame[columns], discrete, name=name)
    ncols = check_int(ncols, "ncols", min_value=1)
    bins = check_int(bins, "bins", min_value=1)
    max_categories = check_int(max_categories, "max_categories", min_value=1)
    ncols = max(1, min(ncols, len(columns)))
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax, col in zip(axes.ravel(), columns, strict=False):
        if col in discrete:
            freq_r = as_category_text(real[col]).value_counts(normalize=True)
            freq_s = as_category_text(synthetic[col]).value_counts(normalize=True)
            cats = list(freq_r.index[:max_categories])
            pos = np.arange(len(cats))
            ax.bar(pos - 0.2, freq_r.reindex(cats, fill_value=0), 0.4, label="real")
            ax.bar(pos + 0.2, freq_s.reindex(cats, fill_value=0), 0.4, label="synthetic")
            ax.set_xticks(pos, cats, rotation=45, ha="right", fontsize=7)
            ax.set_ylabel("share of rows")
        else:
            lo = min(real[col].min(), synthetic[col].min())
            hi = max(real[col].max(), synthetic[col].max())
            edges = np.linspace(lo, hi, bins + 1) if hi > lo else bins
            ax.hist(real[col], bins=edges, density=True, alpha=0.5, label="real")
            ax.hist(synthetic[col], bins=edges, density=True, alpha=0.5, label="synthetic")
            ax.set_ylabel("density")
        ax.set_xlabel(col)
        ax.set_title(col)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(columns) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_gan_architecture(ax=None):
    """Draw the architecture of a generative adversarial network as a block diagram.

    Noise :math:`z` goes through the generator :math:`G` to a fake sample
    :math:`\\tilde x = G(z)`; the discriminator :math:`D` receives a real sample
    :math:`x` or a fake one and outputs :math:`D(\\cdot)`, the probability that its
    input is real. Its feedback flows back to both networks as gradients. The axes
    are hidden: this is a diagram, not a data plot.

    Examples
    --------
    >>> ax = plot_gan_architecture()
    >>> ax.get_title()
    'Architecture of a GAN'
    """
    from matplotlib.patches import FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    boxes = {
        # name: (x centre, y centre, label, colour)
        "z": (0.9, 1.0, "noise\n$z \\sim p_z$", "#e8e8e8"),
        "G": (3.0, 1.0, "Generator\n$G$", "#9ecae1"),
        "fake": (5.1, 1.0, "fake sample\n$\\tilde{x} = G(z)$", "#fdd0a2"),
        "real": (5.1, 3.0, "real sample\n$x \\sim p_{data}$", "#c7e9c0"),
        "D": (7.3, 2.0, "Discriminator\n$D$", "#fc9272"),
        "out": (9.5, 2.0, "$D(\\cdot)$ = P(real)\nin [0, 1]", "#e8e8e8"),
    }
    width, height = 1.7, 0.95
    for x, y, label, colour in boxes.values():
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.05",
                facecolor=colour,
                edgecolor="black",
            )
        )
        ax.text(x, y, label, ha="center", va="center", fontsize=10)

    def arrow(start, end, text=None, style="-|>", colour="black", rad=0.0, offset=(0, 0.2)):
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops=dict(
                arrowstyle=style, color=colour, lw=1.5, connectionstyle=f"arc3,rad={rad}"
            ),
        )
        if text:
            mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
            ax.text(mid[0], mid[1], text, ha="center", fontsize=8, color=colour)

    half = width / 2 + 0.05
    arrow((0.9 + half, 1.0), (3.0 - half, 1.0))
    arrow((3.0 + half, 1.0), (5.1 - half, 1.0))
    arrow((5.1 + half, 1.0), (7.3 - half, 1.8))
    arrow((5.1 + half, 3.0), (7.3 - half, 2.2))
    arrow((7.3 + half, 2.0), (9.5 - half, 2.0))
    arrow(
        (7.3, 2.0 - height / 2 - 0.05),
        (3.0, 1.0 - height / 2 - 0.05),
        "gradients: G learns to make D say 'real'",
        colour="tab:red",
        rad=-0.35,
        offset=(0, -1.1),
    )
    ax.text(8.4, 2.75, "D learns: real -> 1, fake -> 0", ha="center", fontsize=8, color="tab:red")
    ax.set_xlim(-0.1, 10.5)
    ax.set_ylim(-0.75, 3.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Architecture of a GAN")
    return ax
