"""Diagrams drawn by code: the computations and networks that the chapters explain.

- :func:`plot_computational_graph` -- the two-layer network of chapter 03 as a graph: the
  forward pass (black arrows) and the backward pass (red arrows), each backward arrow
  labelled with the gradient it carries;
- :func:`plot_ctgan_architecture` -- CTGAN's conditional generator and packed critic
  (chapter 08): noise and conditional vector in, encoded rows out, real rows drawn for the
  same condition, packs of ``pac`` rows judged together, and the two losses.

Chapter 09's two diagrams (the autoencoder + latent GAN pipeline and the multi-head
decoder) live in :mod:`tabgen_lib.diagrams_latent`, drawn with the same helpers.

Like :func:`tabgen_lib.plots.plot_gan_architecture` these are block diagrams drawn with
matplotlib patches, so they need no image files and change with the code. Each function
returns its :class:`~matplotlib.axes.Axes`; every box label is one of ``ax.texts`` and every
arrow an annotation with an ``arrow_patch`` (black: data flow, red: gradients and losses),
which is what the tests read.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from .validation import check_int

__all__ = [
    "FORWARD",
    "BACKWARD",
    "plot_computational_graph",
    "plot_ctgan_architecture",
]

#: Colour of the arrows that carry data (the forward pass).
FORWARD = "black"
#: Colour of the arrows that carry gradients or losses (the backward pass).
BACKWARD = "tab:red"

# box colours: inputs, parameters, computations, losses
_INPUT, _PARAM, _OP, _LOSS = "#e8e8e8", "#c7e9c0", "#9ecae1", "#fdd0a2"


def _axes(ax, figsize) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}.")
    return ax


class _Canvas:
    """Boxes by name on ``ax``, and arrows between their edges."""

    def __init__(self, ax: Axes):
        self.ax, self.boxes = ax, {}

    def box(self, name, x, y, label, colour, width=1.7, height=0.9, fontsize=9):
        self.boxes[name] = (x, y, width / 2, height / 2)
        self.ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.04",
                facecolor=colour,
                edgecolor="black",
            )
        )
        self.ax.text(x, y, label, ha="center", va="center", fontsize=fontsize)

    def edge(self, name, toward) -> tuple[float, float]:
        """The point where the line from box ``name``'s centre to ``toward`` leaves it."""
        x, y, a, b = self.boxes[name]
        dx, dy = toward[0] - x, toward[1] - y
        t = min(a / abs(dx) if dx else float("inf"), b / abs(dy) if dy else float("inf"))
        return x + t * dx, y + t * dy

    def arrow(
        self, start, end, label=None, colour=FORWARD, rad=0.0, at=(0.0, 0.0), below=False, **text
    ):
        """An arrow from box ``start`` to box ``end``; ``label`` near its middle + ``at``.

        ``below=True`` runs it from the bottom of one box to the bottom of the other."""
        (x0, y0, _, b0), (x1, y1, _, b1) = self.boxes[start], self.boxes[end]
        if below:
            tail, head = (x0 - 0.25, y0 - b0), (x1 + 0.25, y1 - b1)
        else:
            tail, head = self.edge(start, (x1, y1)), self.edge(end, (x0, y0))
        self.ax.annotate(
            "",
            xy=head,
            xytext=tail,
            arrowprops=dict(
                arrowstyle="-|>",
                color=colour,
                lw=1.4,
                shrinkA=2,
                shrinkB=2,
                connectionstyle=f"arc3,rad={rad}",
            ),
        )
        if label:
            mid = ((tail[0] + head[0]) / 2 + at[0], (tail[1] + head[1]) / 2 + at[1])
            style = dict(ha="center", va="center", fontsize=8, color=colour) | text
            self.ax.text(*mid, label, **style)

    def finish(self, xlim, ylim, title):
        self.ax.set_xlim(*xlim)
        self.ax.set_ylim(*ylim)
        self.ax.set_aspect("equal")
        self.ax.axis("off")  # a diagram, not a data plot: no axes to label
        self.ax.set_title(title)
        return self.ax


def plot_computational_graph(ax=None) -> Axes:
    """Draw the forward and backward pass of chapter 03's two-layer ReLU network.

    The forward pass computes :math:`Z = X W_1^\\top + b_1`, :math:`H = \\mathrm{ReLU}(Z)`,
    :math:`\\hat Y = H W_2^\\top + b_2` and :math:`L = \\mathrm{MSE}(\\hat Y, Y)` (black
    arrows: every input of a box is an arrow into it). The backward pass walks the same
    graph in reverse (red arrows): the output gradient
    :math:`G_{\\hat Y} = \\frac{2}{nk}(\\hat Y - Y)`, then for each layer the weight
    gradient :math:`G_{out}^\\top \\times` input, the bias gradient (column sums) and the
    input gradient :math:`G_{out} \\times W`, with the ReLU's mask
    :math:`\\mathbb 1[Z > 0]` in between.

    Examples
    --------
    >>> ax = plot_computational_graph()
    >>> ax.get_title()
    'Forward pass (black) and backward pass (red) of a two-layer network'
    >>> sum(1 for t in ax.texts if getattr(t, "arrow_patch", None) is not None)  # arrows
    16
    """
    ax = _axes(ax, (12, 5.2))
    c = _Canvas(ax)
    c.box("X", 0.9, 2.0, "input $X$\n$n \\times d$", _INPUT, width=1.4)
    c.box("W1", 2.5, 4.1, "weight $W_1$\n$m \\times d$", _PARAM, width=1.4)
    c.box("b1", 4.2, 4.1, "bias $b_1$\n$m$", _PARAM, width=1.2)
    c.box("Z", 3.35, 2.0, "$Z = X W_1^\\top + b_1$", _OP, width=2.0)
    c.box("H", 5.9, 2.0, "$H = \\mathrm{ReLU}(Z)$", _OP, width=2.0)
    c.box("W2", 7.6, 4.1, "weight $W_2$\n$k \\times m$", _PARAM, width=1.4)
    c.box("b2", 9.3, 4.1, "bias $b_2$\n$k$", _PARAM, width=1.2)
    c.box("Yhat", 8.45, 2.0, "$\\hat{Y} = H W_2^\\top + b_2$", _OP, width=2.0)
    c.box("Y", 11.2, 4.1, "target $Y$\n$n \\times k$", _INPUT, width=1.4)
    c.box("L", 11.2, 2.0, "loss\n$L = \\mathrm{MSE}(\\hat{Y}, Y)$", _LOSS, width=2.0)

    # forward pass: every input of a computation is an arrow into it
    for start, end in [
        ("X", "Z"),
        ("W1", "Z"),
        ("b1", "Z"),
        ("Z", "H"),
        ("H", "Yhat"),
        ("W2", "Yhat"),
        ("b2", "Yhat"),
        ("Yhat", "L"),
        ("Y", "L"),
    ]:
        c.arrow(start, end)

    # backward pass along the chain, below it: the gradient each step passes on
    back = dict(colour=BACKWARD, rad=-0.5, below=True, at=(0, -0.75))
    c.arrow("L", "Yhat", "$G_{\\hat{Y}} = \\frac{2}{nk}(\\hat{Y} - Y)$", **back)
    c.arrow("Yhat", "H", "$G_H = G_{\\hat{Y}} W_2$", **back)
    c.arrow("H", "Z", "$G_Z = G_H \\odot \\mathbf{1}[Z > 0]$", **back)
    # ... and into the parameters: what the optimizer's step uses
    up = dict(colour=BACKWARD, rad=-0.35)
    c.arrow("Z", "W1", "$G_Z^\\top X$", at=(-0.55, 0.0), **up)
    c.arrow("Z", "b1", "$G_Z^\\top \\mathbf{1}$", at=(0.62, -0.1), **up)
    c.arrow("Yhat", "W2", "$G_{\\hat{Y}}^\\top H$", at=(-0.55, 0.0), **up)
    c.arrow("Yhat", "b2", "$G_{\\hat{Y}}^\\top \\mathbf{1}$", at=(0.62, -0.1), **up)
    ax.text(
        6.0,
        0.1,
        "black: forward pass (values)    red: backward pass (gradients of L)",
        ha="center",
        fontsize=8,
        color="dimgray",
    )
    title = "Forward pass (black) and backward pass (red) of a two-layer network"
    return c.finish((0.0, 12.4), (-0.1, 4.8), title)


def plot_ctgan_architecture(ax=None, pac: int = 10) -> Axes:
    """Draw CTGAN's conditional generator and packed critic, with the conditional vector.

    The generator receives noise :math:`z` and the conditional vector :math:`cond` (the
    one-hot of a category of one discrete column, chosen by log-frequency), passes
    :math:`z \\oplus cond` through residual layers and turns its raw output into an encoded
    row (``tanh`` for each :math:`\\alpha`, Gumbel-softmax for each one-hot block). Real rows
    are drawn among those that have the requested category (training-by-sampling). Each row
    carries its :math:`cond`; ``pac`` rows are packed into one input of the critic, which
    outputs one score per pack. The red arrows are the losses: the critic's Wasserstein
    loss with the gradient penalty, and the generator's loss with the cross-entropy that
    makes it honour the condition.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    pac : int
        Rows per pack, shown in the packing box (CTGAN's default is 10).

    Examples
    --------
    >>> ax = plot_ctgan_architecture(pac=10)
    >>> ax.get_title()
    'CTGAN: conditional generator and packed critic (pac = 10)'
    >>> any("Gumbel-softmax" in t.get_text() for t in ax.texts)
    True
    """
    pac = check_int(pac, "pac")
    ax = _axes(ax, (15, 5.6))
    c = _Canvas(ax)
    small = dict(fontsize=8)
    c.box("z", 1.3, 5.6, "noise\n$z \\sim \\mathcal{N}(0, I)$\n128 numbers", _INPUT, 2.2, 1.3)
    c.box(
        "cond",
        1.3,
        3.0,
        "conditional vector\n$cond$: one-hot of a\ncategory of one discrete"
        "\ncolumn, by log-frequency",
        _INPUT,
        2.6,
        1.7,
        **small,
    )
    c.box(
        "G",
        4.9,
        5.6,
        "Generator $G$\ninput $z \\oplus cond$\n2 residual layers\n"
        "$h \\oplus \\mathrm{ReLU}(\\mathrm{BN}(\\mathrm{FC}(h)))$\nthen FC",
        _OP,
        3.0,
        2.0,
        **small,
    )
    c.box(
        "act",
        8.6,
        5.6,
        "activations\ntanh for each $\\alpha$\nGumbel-softmax for\neach one-hot block",
        _OP,
        2.6,
        1.7,
        **small,
    )
    c.box("fake", 11.9, 5.6, "fake rows $\\hat{r}$\n$\\oplus\\ cond$", _LOSS, 2.2, 1.2)
    c.box(
        "real",
        11.9,
        3.0,
        "real rows $r$ that have\nthe requested category\n"
        "$\\oplus\\ cond$ (training-\nby-sampling)",
        _PARAM,
        3.0,
        1.7,
        **small,
    )
    c.box(
        "pack",
        15.3,
        4.3,
        f"pack: pac = {pac} rows\nside by side: one\ninput of $pac \\cdot (d + |cond|)$",
        _INPUT,
        3.0,
        1.6,
        **small,
    )
    c.box(
        "C",
        18.5,
        4.3,
        "Critic $C$\n2 $\\times$ (FC, LeakyReLU\n0.2, Dropout 0.5)\nthen FC",
        "#fc9272",
        2.6,
        1.7,
        **small,
    )
    c.box("score", 21.0, 4.3, "one score\nper pack", _INPUT, 1.6, 1.1, **small)
    c.box(
        "closs",
        18.5,
        0.9,
        "critic loss\n$\\overline{C(\\hat{r})} - \\overline{C(r)}$\n+ 10 $\\cdot$ gradient penalty",
        "#fc9272",
        3.2,
        1.3,
        **small,
    )
    c.box(
        "gloss",
        8.6,
        0.9,
        "generator loss\n$-\\overline{C(\\hat{r})}$ + cross-entropy of\nthe conditioned column",
        _OP,
        3.4,
        1.3,
        **small,
    )

    for start, end in [
        ("z", "G"),
        ("cond", "G"),
        ("G", "act"),
        ("act", "fake"),
        ("fake", "pack"),
        ("real", "pack"),
        ("pack", "C"),
        ("C", "score"),
    ]:
        c.arrow(start, end)
    c.arrow("cond", "real", "real rows are drawn for the same condition", at=(0, 0.25))

    c.arrow("score", "closs", "update $C$", colour=BACKWARD, rad=-0.3, at=(1.1, 0))
    c.arrow("score", "gloss", "scores of the fake packs", colour=BACKWARD, at=(0.9, -0.45))
    c.arrow(
        "gloss", "G", "gradients through $C$\ninto $G$", colour=BACKWARD, rad=-0.2, at=(-1.6, -0.6)
    )
    return c.finish(
        (-0.2, 22.0), (0.0, 6.8), f"CTGAN: conditional generator and packed critic (pac = {pac})"
    )
