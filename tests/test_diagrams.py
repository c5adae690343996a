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


def test_latent_pipeline_shows_three_stages_and_losses():
    from tabgen_lib.diagrams_latent import plot_latent_pipeline

    ax = plot_latent_pipeline(latent_dim=16, pac=8)
    text = _labels(ax)
    for part in [
        "Stage 1:\nautoencoder",
        "Stage 2:\nlatent GAN",
        "Stage 3:\nsampling",
        "encoder $E$",
        "generator $G$",
        "discriminator $D$\npacks of 8 code(s)",
        "decoder\n(frozen)",
        "$\\in [-1, 1]^{16}$",
        "$L_{AE} = L_{MSE} + L_{CE}$",
        "real codes",
    ]:
        assert part in text, part
    # stage 1: x -> E -> z -> decoder -> x_hat; stage 2: eps -> G -> fake -> D and z -> D;
    # stage 3: fake -> decoder -> inverse -> rows, and fake (stage 2) -> fake (stage 3)
    assert _count(ax, FORWARD) == 4 + 3 + 1 + 3 + 1
    # losses: x_hat -> L_AE -> E; D -> losses -> G
    assert _count(ax, BACKWARD) == 4
    assert ax.get_title() == "Autoencoder + latent GAN: three stages (d = 16, pac = 8)"
    assert not ax.axison


def test_latent_pipeline_bad_settings():
    from tabgen_lib.diagrams_latent import plot_latent_pipeline

    with pytest.raises(ValueError, match="latent_dim"):
        plot_latent_pipeline(latent_dim=0)
    with pytest.raises(TypeError, match="pac"):
        plot_latent_pipeline(pac="8")
    fig, ax = plt.subplots()
    assert plot_latent_pipeline(ax=ax) is ax


def test_multihead_decoder_one_head_per_column_type():
    from tabgen_lib.diagrams_latent import plot_multihead_decoder

    ax = plot_multihead_decoder(["age", "fnlwgt"], {"sex": 2, "race": 5, "income": 2})
    text = _labels(ax)
    assert "2 continuous column(s)\nage, fnlwgt\none number each (linear)" in text
    for head in ["sex: softmax over\n2 categories", "race: softmax over\n5 categories"]:
        assert head in text, head
    assert text.count("softmax") == 3 and text.count("CE") >= 3 and "MSE" in text
    # z -> trunk, trunk -> each of the 4 heads; one loss arrow per head
    assert _count(ax, FORWARD) == 1 + 4
    assert _count(ax, BACKWARD) == 4
    assert ax.get_title().endswith("(4 heads)")
    only_discrete = plot_multihead_decoder([], {"colour": 3})
    assert "continuous" not in _labels(only_discrete)


def test_multihead_decoder_bad_columns():
    from tabgen_lib.diagrams_latent import plot_multihead_decoder

    with pytest.raises(ValueError, match="at least one"):
        plot_multihead_decoder([], {})
    with pytest.raises(ValueError, match="colour"):
        plot_multihead_decoder(["x"], {"colour": 1})
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_multihead_decoder(["x"], ax="right")
