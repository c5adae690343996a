"""Chapter 09's diagrams, drawn by code like those of :mod:`tabgen_lib.diagrams`.

- :func:`plot_latent_pipeline` -- the three stages of the course's latent generators
  (:class:`~tabgen_lib.aegan.AEGAN`): the autoencoder, a GAN in its latent space, and
  decoding the generated codes into rows;
- :func:`plot_multihead_decoder` -- the autoencoder's decoder: a shared trunk and one head
  per column type (one number per continuous column, a softmax per discrete column), each
  with its term of the loss.

As in :mod:`tabgen_lib.diagrams`, every box label is one of ``ax.texts`` and every arrow
an annotation with an ``arrow_patch`` (black: data flow, red: losses and updates).
"""

from __future__ import annotations

from matplotlib.axes import Axes

from .diagrams import _INPUT, _LOSS, _OP, _PARAM, BACKWARD, FORWARD, _axes, _Canvas
from .validation import check_int

__all__ = ["plot_latent_pipeline", "plot_multihead_decoder"]


def plot_latent_pipeline(ax=None, latent_dim: int = 32, pac: int = 8) -> Axes:
    """Draw the autoencoder -> latent GAN -> decoder pipeline of :class:`~tabgen_lib.aegan.AEGAN`.

    Stage 1 (top row): a transformed row :math:`x` goes through the encoder to a code
    :math:`z = E(x) \\in [-1, 1]^d` and back through the decoder; the loss
    :math:`L_{AE} = L_{MSE} + L_{CE}` trains both (red). Stage 2 (middle): the generator
    maps noise to fake codes; the discriminator judges packs of ``pac`` codes, real
    (the frozen encoder's) or fake; its losses train both players (red). Stage 3
    (bottom): fake codes go through the frozen decoder and the inverse transform to rows.

    >>> ax = plot_latent_pipeline(latent_dim=16, pac=1)
    >>> ax.get_title()
    'Autoencoder + latent GAN: three stages (d = 16, pac = 1)'
    """
    latent_dim, pac = check_int(latent_dim, "latent_dim"), check_int(pac, "pac")
    ax = _axes(ax, (15, 7))
    c, small = _Canvas(ax), dict(fontsize=8)
    stage1 = [
        ("x", "row $x$\nquantile scale +\none-hot blocks", _INPUT),
        ("E", "encoder $E$\nMLP, Tanh output", _OP),
        ("z", f"code $z = E(x)$\n$\\in [-1, 1]^{{{latent_dim}}}$", _PARAM),
        ("dec", "decoder\none head per\ncolumn type", _OP),
        ("xhat", "reconstruction\n$\\hat{x}$", _INPUT),
    ]
    stage2 = [
        ("eps", "noise\n$\\varepsilon \\sim \\mathcal{N}(0, I)$", _INPUT),
        ("G", "generator $G$\nMLP, Tanh output", _OP),
        ("fake", "fake codes\n$G(\\varepsilon)$", _PARAM),
        ("D", f"discriminator $D$\npacks of {pac} code(s)\nreal or fake?", "#fc9272"),
    ]
    stage3 = [
        ("fake3", "fake codes\n$G(\\varepsilon)$", _PARAM),
        ("dec3", "decoder\n(frozen)", _OP),
        ("inv", "inverse\ntransform", _OP),
        ("rows", "synthetic\nrows", _INPUT),
    ]
    for y, row in ((6.2, stage1), (3.4, stage2), (0.8, stage3)):
        for i, (name, label, colour) in enumerate(row):
            c.box(name, 3.2 + 3.3 * i, y, label, colour, 2.6, 1.4, **small)
        for (start, _, _), (end, _, _) in zip(row, row[1:], strict=False):
            c.arrow(start, end)
    for y, stage in (
        (6.2, "Stage 1:\nautoencoder"),
        (3.4, "Stage 2:\nlatent GAN"),
        (0.8, "Stage 3:\nsampling"),
    ):
        ax.text(0.2, y, stage, ha="left", va="center", fontsize=9, fontweight="bold")
    c.box(
        "lae", 19.6, 6.2, "$L_{AE} = L_{MSE} + L_{CE}$\n(+ noise on $z$)", _LOSS, 3.0, 1.2, **small
    )
    c.box(
        "lgan",
        16.4,
        3.4,
        "$L_D$ (binary CE)\n$L_G = -\\log D(G(\\varepsilon))$",
        _LOSS,
        2.8,
        1.2,
        **small,
    )
    c.arrow("z", "D", "real codes\n(encoder frozen)", at=(0.9, 0.2))
    c.arrow("fake", "fake3", "decode", at=(0.5, 0))
    c.arrow("xhat", "lae", colour=BACKWARD)
    c.arrow("lae", "E", "update $E$ and the decoder", colour=BACKWARD, rad=0.25, at=(0, 1.0))
    c.arrow("D", "lgan", colour=BACKWARD)
    c.arrow(
        "lgan", "G", "update $D$; update $G$ through $D$", colour=BACKWARD, rad=0.25, at=(0, -1.25)
    )
    return c.finish(
        (0.0, 21.3),
        (-0.2, 7.9),
        f"Autoencoder + latent GAN: three stages (d = {latent_dim}, pac = {pac})",
    )


def _wrap(names, per_line: int = 3) -> str:
    """Column names, ``per_line`` to a line."""
    names = list(names)
    lines = [", ".join(names[i : i + per_line]) for i in range(0, len(names), per_line)]
    return ",\n".join(lines)


def plot_multihead_decoder(
    continuous=("age",), discrete=None, latent_dim: int = 32, ax=None
) -> Axes:
    """Draw the autoencoder's decoder: a shared trunk, then one head per column type.

    The trunk maps the code :math:`z` to one raw output per matrix column; the output is
    read in blocks: the continuous columns' numbers (compared with MSE; the course's head
    is linear where the method uses a Tanh, see :class:`~tabgen_lib.models.Autoencoder`)
    and one block of logits per discrete column, a softmax over its categories (compared
    with cross-entropy). ``continuous`` names the continuous columns, ``discrete`` maps
    each discrete column to its number of categories (default: two made-up columns).

    >>> ax = plot_multihead_decoder(["age"], {"sex": 2, "race": 5}, latent_dim=8)
    >>> sum("softmax" in t.get_text() for t in ax.texts)
    2
    """
    latent_dim = check_int(latent_dim, "latent_dim")
    discrete = {"colour": 3, "size": 2} if discrete is None else dict(discrete)
    continuous = list(continuous)
    if not continuous and not discrete:
        raise ValueError("give at least one continuous or discrete column to draw.")
    for name, k in discrete.items():
        check_int(k, f"discrete[{name!r}]", min_value=2)
    heads = (
        [
            (
                "cont",
                f"{len(continuous)} continuous column(s)\n"
                f"{_wrap(continuous)}\none number each (linear)",
                "MSE",
            )
        ]
        if continuous
        else []
    )
    heads += [
        (f"d{i}", f"{name}: softmax over\n{k} categories", "CE")
        for i, (name, k) in enumerate(discrete.items())
    ]
    ax = _axes(ax, (12, max(3.5, 0.95 * len(heads) + 1.0)))
    c, small = _Canvas(ax), dict(fontsize=8)
    top = 1.1 * (len(heads) - 1)
    c.box("z", 1.3, top / 2, f"code $z$\n{latent_dim} numbers", _PARAM, 2.0, 1.0, **small)
    c.box(
        "trunk",
        4.6,
        top / 2,
        "decoder trunk\nMLP (hidden layers\nmirror the encoder)",
        _OP,
        2.8,
        1.4,
        **small,
    )
    c.arrow("z", "trunk")
    for i, (name, label, loss) in enumerate(heads):
        y = top - 1.1 * i
        c.box(name, 9.0, y, label, _OP if loss == "CE" else "#c6dbef", 3.6, 1.0, fontsize=7)
        c.box(f"{name}_loss", 12.4, y, loss, _LOSS, 1.3, 0.7, **small)
        x0, y0, a0, _ = c.boxes["trunk"]
        ax.annotate(
            "",
            xy=(9.0 - 1.8, y),
            xytext=(x0 + a0, y0),
            arrowprops=dict(arrowstyle="-|>", color=FORWARD, lw=1.0, shrinkA=2, shrinkB=2),
        )
        c.arrow(f"{name}_loss", name, colour=BACKWARD)
    ax.text(
        12.4,
        top + 0.9,
        "$L_{AE} = L_{MSE} + L_{CE}$\n($L_{CE}$: mean over the columns)",
        ha="center",
        va="center",
        fontsize=8,
        color=BACKWARD,
    )
    return c.finish(
        (0.0, 13.6), (-0.8, top + 1.5), f"The autoencoder's multi-head decoder ({len(heads)} heads)"
    )
