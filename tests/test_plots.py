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


def test_plot_losses_labels_and_lines():
    ax = plot_losses(
        {"loss": [3, 2, 1], "val_loss": [3, 2.5, 2], "acc": [0.1, 0.2, 0.3]}, logy=True
    )
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    ax = plot_losses({"acc": [0.1, 0.2]}, keys=["acc"], ylabel="accuracy", title="t")
    assert ax.get_title() == "t"


def test_plot_losses_errors():
    with pytest.raises(TypeError):
        plot_losses([1, 2, 3])
    with pytest.raises(ValueError, match="Unknown"):
        plot_losses({"loss": [1]}, keys=["val_loss"])
    with pytest.raises(ValueError, match="Nothing to plot"):
        plot_losses({"acc": [1]})


def test_plot_predictions():
    x = torch.linspace(0, 1, 5)
    ax = plot_predictions(x, 2 * x, {"fit": 2 * x, "zero": np.zeros(5)}, title="p")
    assert len(ax.lines) == 2 and ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    with pytest.raises(ValueError, match="must match"):
        plot_predictions([1, 2], [1])
    with pytest.raises(ValueError, match="has 1 values"):
        plot_predictions([1, 2], [1, 2], {"bad": [1]})
    with pytest.raises(TypeError, match="numbers"):
        plot_predictions(["a"], [1])
    with pytest.raises(ValueError, match="empty"):
        plot_predictions([], [])


def test_plot_decision_boundary_binary_and_multiclass():
    X = torch.tensor([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    model = nn.Linear(2, 1)
    ax = plot_decision_boundary(model, X, torch.tensor([0, 1, 1]), resolution=10, title="b")
    assert ax.get_xlabel() == "$x_1$" and ax.get_title() == "b"
    ax = plot_decision_boundary(nn.Linear(2, 3), X.numpy(), [0, 1, 2], resolution=10)
    assert ax.get_ylabel() == "$x_2$"


def test_plot_decision_boundary_errors():
    with pytest.raises(TypeError, match="callable"):
        plot_decision_boundary("model", [[0, 0]], [0])
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_decision_boundary(nn.Linear(3, 1), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="labels"):
        plot_decision_boundary(nn.Linear(2, 1), np.zeros((4, 2)), np.zeros(3))


def test_plot_real_vs_synthetic():
    real = pd.DataFrame({"age": [20, 30, 40, 50], "sex": ["F", "M", "F", "M"], "k": [1, 1, 1, 1]})
    fake = pd.DataFrame({"age": [25, 35, 45, 55], "sex": ["M", "M", "F", "X"], "k": [1, 1, 1, 1]})
    fig = plot_real_vs_synthetic(real, fake, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in visible] == ["age", "sex", "k"]
    assert all(ax.get_ylabel() for ax in visible)
    fig = plot_real_vs_synthetic(real, fake, columns=["age"], discrete_columns=["age"])
    assert fig.axes[0].get_ylabel() == "share of rows"


def test_plot_real_vs_synthetic_errors():
    real = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(TypeError, match="DataFrame"):
        plot_real_vs_synthetic(real, [[1], [2]])
    with pytest.raises(ValueError, match="empty"):
        plot_real_vs_synthetic(real.iloc[:0], real)
    with pytest.raises(ValueError, match=r"\['b'\].*synthetic"):
        plot_real_vs_synthetic(real.assign(b=1), real, columns=["b"])


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
