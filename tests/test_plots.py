"""The plots draw the data they are given: line, scatter, contour and bar data are checked,
not only the labels."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from tabgen_lib.plots import (
    plot_decision_boundary,
    plot_losses,
    plot_predictions,
    plot_real_vs_synthetic,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- plot_losses


def test_plot_losses_draws_each_history_entry():
    history = {"loss": [3, 2, 1], "val_loss": [3, 2.5, 2], "acc": [0.1, 0.2, 0.3]}
    ax = plot_losses(history, logy=True)
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    for line, key in zip(ax.lines, ["loss", "val_loss"], strict=True):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])  # epochs count from 1
        np.testing.assert_array_equal(line.get_ydata(), history[key])
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss"]


def test_plot_losses_chosen_keys_on_given_axes():
    _, own = plt.subplots()
    ax = plot_losses(
        {"acc": torch.tensor([0.1, 0.2]), "loss": [1.0, 0.5]},
        keys=["acc"],
        ax=own,
        ylabel="accuracy",
        title="t",
    )
    assert ax is own and len(ax.lines) == 1
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.1, 0.2])
    assert ax.get_title() == "t" and ax.get_ylabel() == "accuracy"
    assert ax.get_yscale() == "linear"


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([1, 2, 3],), {}, TypeError, "history must be a dict"),
        (({},), {}, ValueError, "history is empty"),
        (({"loss": [1]},), {"keys": ["val_loss"]}, ValueError, "Unknown"),
        (({"loss": [1]},), {"keys": "loss"}, TypeError, "single string"),
        (({"acc": [1]},), {}, ValueError, "Nothing to plot"),
        (({"loss": ["a", "b"]},), {}, TypeError, r"history\['loss'\] must hold numbers"),
        (({"loss": []},), {}, ValueError, r"history\['loss'\] is empty"),
    ],
)
def test_plot_losses_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_losses(*args, **kwargs)


# ---------------------------------------------------------------- plot_predictions


def test_plot_predictions_scatters_the_data_and_draws_sorted_lines():
    x = torch.tensor([0.5, 0.0, 1.0, 0.25])  # not sorted
    y = torch.tensor([1.2, 0.1, 1.9, 0.4])
    ax = plot_predictions(x, y, {"fit": 2 * x, "zero": np.zeros(4)}, title="p")
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), np.c_[x.numpy(), y.numpy()])
    assert points.get_label() == "data"
    assert [line.get_label() for line in ax.lines] == ["fit", "zero"]
    # each prediction line follows x in increasing order, its values moved along
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.0, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.zeros(4))
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y" and ax.get_title() == "p"


def test_plot_predictions_errors():
    with pytest.raises(ValueError, match="must match"):
        plot_predictions([1, 2], [1])
    with pytest.raises(ValueError, match="has 1 values"):
        plot_predictions([1, 2], [1, 2], {"bad": [1]})
    with pytest.raises(TypeError, match="numbers"):
        plot_predictions(["a"], [1])
    with pytest.raises(ValueError, match="empty"):
        plot_predictions([], [])


# ---------------------------------------------------------------- plot_decision_boundary


def _spy_contourf(monkeypatch, ax):
    """Record what ``ax.contourf`` is asked to fill, and still draw it."""
    calls = []
    original = ax.contourf

    def contourf(xx, yy, zz, **kwargs):
        calls.append((np.asarray(xx), np.asarray(yy), np.asarray(zz)))
        return original(xx, yy, zz, **kwargs)

    monkeypatch.setattr(ax, "contourf", contourf)
    return calls


def _grid_predictions(model, xx, yy):
    with torch.no_grad():
        out = model(torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32))
    out = out.reshape(len(out), -1)
    classes = out.argmax(dim=1) if out.shape[1] > 1 else (out[:, 0] > 0).long()
    return classes.numpy().reshape(xx.shape)


@pytest.mark.parametrize("outputs", [1, 3])
def test_plot_decision_boundary_colours_the_models_predictions(monkeypatch, outputs):
    model = nn.Sequential(nn.Linear(2, outputs), nn.Tanh())
    with torch.no_grad():  # boundaries that cross the plot
        model[0].weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 1.0], [-1.0, -0.5]][:outputs]))
        model[0].bias.fill_(0.2)
    X = torch.tensor([[-1.0, 0.0], [1.0, 0.5], [0.0, 2.0], [0.5, -1.0]])
    y = [0, 1, 1, 0] if outputs == 1 else [0, 1, 2, 1]
    _, ax = plt.subplots()
    calls = _spy_contourf(monkeypatch, ax)
    plot_decision_boundary(model, X.numpy(), y, ax=ax, resolution=12, title="b")
    ((xx, yy, zz),) = calls
    assert xx.shape == yy.shape == zz.shape == (12, 12)
    # the grid spans the data with a 10 % margin on each side
    span = X.max(dim=0).values - X.min(dim=0).values
    assert xx.min() == pytest.approx(float(X[:, 0].min() - 0.1 * span[0]), abs=1e-6)
    assert yy.max() == pytest.approx(float(X[:, 1].max() + 0.1 * span[1]), abs=1e-6)
    np.testing.assert_array_equal(zz, _grid_predictions(model, xx, yy))
    assert len(np.unique(zz)) > 1  # the boundary crosses the plot
    (points,) = ax.collections[1:]  # after the filled contour: the labelled points
    np.testing.assert_allclose(points.get_offsets(), X.numpy())
    np.testing.assert_array_equal(points.get_array(), y)
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$" and ax.get_title() == "b"


def test_plot_decision_boundary_of_a_function(monkeypatch):
    _, ax = plt.subplots()
    calls = _spy_contourf(monkeypatch, ax)
    X = [[-1.0, 0.0], [1.0, 0.0]]
    plot_decision_boundary(lambda t: t[:, 0] - 0.5, X, [0, 1], ax=ax, resolution=5)
    ((xx, _, zz),) = calls
    np.testing.assert_array_equal(zz, (xx > 0.5).astype(int))


def test_plot_decision_boundary_errors():
    with pytest.raises(TypeError, match="callable"):
        plot_decision_boundary("model", [[0, 0]], [0])
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_decision_boundary(nn.Linear(3, 1), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="labels"):
        plot_decision_boundary(nn.Linear(2, 1), np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(TypeError, match="X must"):
        plot_decision_boundary(nn.Linear(2, 1), [["a", "b"]], [0])
    with pytest.raises(ValueError, match="resolution == 1"):
        plot_decision_boundary(nn.Linear(2, 1), np.zeros((2, 2)), [0, 1], resolution=1)


def test_plot_decision_boundary_restores_the_training_mode():
    X = torch.tensor([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    model.train()
    plot_decision_boundary(model, X, [0, 1, 1], resolution=5)
    assert all(m.training for m in model.modules())
    model.eval()
    model[1].train()  # a mixed state comes back as it was, too
    plot_decision_boundary(model, X, [0, 1, 1], resolution=5)
    assert [m.training for m in model.modules()] == [False, False, True, False]


# ---------------------------------------------------------------- plot_real_vs_synthetic


def _heights(patches):
    return np.array([p.get_height() for p in patches])


def test_plot_real_vs_synthetic_draws_the_shares_and_densities():
    real = pd.DataFrame({"age": [20, 30, 40, 50], "sex": ["F", "M", "F", "F"], "k": [1, 1, 1, 1]})
    fake = pd.DataFrame({"age": [25, 35, 45, 55], "sex": ["M", "M", "F", "X"], "k": [1, 1, 1, 1]})
    fig = plot_real_vs_synthetic(real, fake, ncols=2, bins=5)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 4 and len(visible) == 3  # 2 x 2 panels, the last one hidden
    age, sex, k = visible
    assert [ax.get_xlabel() for ax in visible] == ["age", "sex", "k"]
    # continuous: both densities on the same 5 bins over the range of both tables
    edges = np.linspace(20, 55, 6)
    assert len(age.patches) == 10
    for patches, values in ((age.patches[:5], real["age"]), (age.patches[5:], fake["age"])):
        want, _ = np.histogram(values, bins=edges, density=True)
        np.testing.assert_allclose(_heights(patches), want)
        np.testing.assert_allclose([p.get_x() for p in patches], edges[:-1])
    assert age.get_ylabel() == "density"
    # discrete: the shares of the real table's categories (most frequent first), side by side
    np.testing.assert_allclose(_heights(sex.patches[:2]), [0.75, 0.25])  # real F, M
    np.testing.assert_allclose(_heights(sex.patches[2:]), [0.25, 0.5])  # synthetic F, M
    assert [t.get_text() for t in sex.get_xticklabels()] == ["F", "M"]
    assert sex.get_ylabel() == "share of rows"
    # a constant column is drawn too (one bar of density per table)
    assert len(k.patches) == 10 and _heights(k.patches).max() > 0
    assert [t.get_text() for t in age.get_legend().get_texts()] == ["real", "synthetic"]


def test_plot_real_vs_synthetic_discrete_columns_and_missing_categories():
    real = pd.DataFrame({"age": [20, 20, 30, 40], "sex": [np.nan, None, "F", None]})
    fake = pd.DataFrame({"age": [20, 30, 30, 30], "sex": ["F", "F", "F", None]})
    # age drawn as discrete; discrete_columns may name columns that are not drawn
    fig = plot_real_vs_synthetic(real, fake, ["age"], discrete_columns=["age", "sex"])
    (ax,) = fig.axes
    assert ax.get_ylabel() == "share of rows"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["20", "30", "40"]
    np.testing.assert_allclose(_heights(ax.patches[:3]), [0.5, 0.25, 0.25])
    np.testing.assert_allclose(_heights(ax.patches[3:]), [0.25, 0.75, 0.0])
    fig = plot_real_vs_synthetic(real, fake, ["sex"])
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["<NA>", "F"]
    np.testing.assert_allclose(_heights(ax.patches), [0.75, 0.25, 0.25, 0.75])


def test_plot_real_vs_synthetic_errors():
    real = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(TypeError, match="DataFrame"):
        plot_real_vs_synthetic(real, [[1], [2]])
    with pytest.raises(ValueError, match="empty"):
        plot_real_vs_synthetic(real.iloc[:0], real)
    with pytest.raises(ValueError, match=r"\['b'\].*synthetic"):
        plot_real_vs_synthetic(real.assign(b=1), real, columns=["b"])
    with pytest.raises(TypeError, match="single string"):
        plot_real_vs_synthetic(real, real, columns="a")
    with pytest.raises(ValueError, match=r"not in the table.*\['z'\]"):
        plot_real_vs_synthetic(real, real, discrete_columns=["z"])
    with pytest.raises(ValueError, match="synthetic has missing values in continuous"):
        plot_real_vs_synthetic(real, real.assign(a=[1.0, np.nan]))
    with pytest.raises(ValueError, match="ncols == 0"):
        plot_real_vs_synthetic(real, real, ncols=0)
    with pytest.raises(TypeError, match="bins must be an instance of int"):
        plot_real_vs_synthetic(real, real, bins=2.5)
