"""Diagrams drawn by code: what each one draws (boxes, arrows and their colours)."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba

from tabgen_lib.diagrams import (
    BACKWARD,
    FORWARD,
    plot_computational_graph,
    plot_ctgan_architecture,
)


def _arrows(ax):
    """(colour, annotation) of every arrow drawn on ax."""
    return [
        (t.arrow_patch.get_edgecolor(), t)
        for t in ax.texts
        if getattr(t, "arrow_patch", None) is not None
    ]


def _count(ax, colour):
    return sum(1 for c, _ in _arrows(ax) if tuple(c) == to_rgba(colour))


def _labels(ax):
    return " | ".join(t.get_text() for t in ax.texts)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_computational_graph_draws_every_value_and_gradient():
    ax = plot_computational_graph()
    text = _labels(ax)
    for value in ["input $X$", "$W_1$", "$b_1$", "$W_2$", "$b_2$", "target $Y$", "ReLU}(Z)"]:
        assert value in text, value
    assert "$L = \\mathrm{MSE}(\\hat{Y}, Y)$" in text
    # one forward arrow per input of each computation: Z has 3, H 1, Y_hat 3, L 2
    assert _count(ax, FORWARD) == 9
    # backward: three along the chain (L -> Y_hat -> H -> Z) and one into each parameter
    assert _count(ax, BACKWARD) == 7
    for gradient in [
        "$G_{\\hat{Y}} = \\frac{2}{nk}(\\hat{Y} - Y)$",
        "$G_H = G_{\\hat{Y}} W_2$",
        "$G_Z = G_H \\odot \\mathbf{1}[Z > 0]$",
        "$G_Z^\\top X$",
        "$G_{\\hat{Y}}^\\top H$",
    ]:
        assert gradient in text, gradient
    assert not ax.axison, "a diagram has no data axes"


def test_computational_graph_arrows_point_the_right_way():
    ax = plot_computational_graph()
    forward = [a for c, a in _arrows(ax) if tuple(c) == to_rgba(FORWARD)]
    # the forward chain runs left to right or downwards (parameters sit above)
    assert all(a.xy[0] >= a.xyann[0] - 1e-9 or a.xy[1] < a.xyann[1] for a in forward)
    backward_chain = [a for c, a in _arrows(ax) if tuple(c) == to_rgba(BACKWARD) and a.xy[1] < 2.0]
    assert len(backward_chain) == 3 and all(a.xy[0] < a.xyann[0] for a in backward_chain)


def test_ctgan_architecture_shows_condition_packing_and_losses():
    ax = plot_ctgan_architecture()
    text = _labels(ax)
    for part in [
        "Generator $G$",
        "Critic $C$",
        "conditional vector",
        "log-frequency",
        "Gumbel-softmax",
        "tanh",
        "training-",
        "pack: pac = 10 rows",
        "gradient penalty",
        "cross-entropy",
        "one score\nper pack",
    ]:
        assert part in text, part
    # data flow: z, cond -> G -> activations -> fake -> pack; real -> pack -> C -> score;
    # cond -> real (the same condition)
    assert _count(ax, FORWARD) == 9
    # losses: score -> critic loss, score -> generator loss, generator loss -> G
    assert _count(ax, BACKWARD) == 3
    assert ax.get_title().endswith("(pac = 10)")


def test_ctgan_architecture_pac_and_axes():
    fig, ax = plt.subplots()
    assert plot_ctgan_architecture(ax=ax, pac=5) is ax
    assert "pack: pac = 5 rows" in _labels(ax)
    with pytest.raises(ValueError, match="pac"):
        plot_ctgan_architecture(pac=0)
    with pytest.raises(TypeError, match="pac"):
        plot_ctgan_architecture(pac=2.5)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_computational_graph(ax="left")
