"""Stage 1 of the course's latent generators: an autoencoder trained to a budget that fits the data.

:class:`~tabgen_lib.aegan.AEGAN`, :class:`~tabgen_lib.latent_gmm.AEGMM` and
:class:`~tabgen_lib.latent_diffusion.AEDiffusion` share one pipeline and differ only in
Stage 2, the model of the latent space:

1. **Autoencoder** (:func:`train_autoencoder`). A row, transformed by
   :class:`~tabgen_lib.transforms.TabularTransformer` into numbers in :math:`[-1, 1]` and
   one-hot blocks, is encoded to :math:`z \\in [-1, 1]^d` and decoded with one head per
   column type (:class:`~tabgen_lib.models.Autoencoder`), trained on
   :math:`L_{AE} = L_{MSE} + L_{CE}` with a little Gaussian noise on :math:`z`.
2. **Latent model** (the subclass): learns the distribution of the training rows'
   embeddings :math:`z_i = \\mathrm{enc}(x_i)` and draws new ones.
3. **Decoding**: new embeddings -> decoder -> inverse transform -> a DataFrame with the
   training columns, dtypes and categories.

**The budget follows the data.** The autoencoder trains for a number of *optimizer
steps*, not epochs: 20 epochs in batches of 512 are 1,260 steps on Adult's 32,561 rows but
40 on a 1,000-row table, where the autoencoder learns nothing. A share ``ae_validation``
(10 %) of the rows is held out; every ``EVAL_EVERY`` steps the loss on them is measured,
the best weights are kept, and training stops when ``ae_patience`` steps have passed
without a better validation loss, or after ``ae_steps`` steps (early stopping). The
held-out rows are left out of the autoencoder's training only: Stage 2 learns the
embeddings of *all* rows.

**The defaults, measured** (a random forest's detection AUC of the decoded reconstructions
of unseen rows against the training rows, 0.5 is ideal; Adult's training split cut 80/20
for tuning, never its test split). On Adult (26,048 rows) 1,000 steps give 0.617, 4,000
steps 0.556 (the best validation loss at step 3,850; 38 s of CPU on one thread) and 10,000
steps 0.551 (103 s): hence ``ae_steps=4000``. On 1,000 rows of Adult the validation loss is
best after 300 steps and then rises (the autoencoder starts to memorise): early stopping
ends at 800 steps, at 0.687. On the insurance table (749 rows) every budget from 250 steps
on scores below 0.5. The old default, 20 epochs in batches of 512, was 1,020 steps on Adult
and 20-40 on these small tables, where the autoencoder learnt nothing.

The latent size and the latent noise trade the autoencoder's fidelity against how easy its
latent space is to model. Measured on Adult (as above; the latent models' samples, one
seed):

=====================  ===============  ======================  ==========  ===========
latent_dim, noise      reconstructions  their efficacy ceiling  mixture 50  DDPM 10,000
=====================  ===============  ======================  ==========  ===========
32, 0.05               0.556            0.996 / 0.988 / 0.984   0.741       0.770
32, 0.15               0.622            0.999 / 0.978 / 0.976   0.737       0.703
16, 0.05               0.571            0.986 / 0.981 / 0.978   0.756       0.692
16, 0.10               --               0.986 / 0.972 / 0.968   0.719       0.677
16, 0.20               --               --                      0.737       0.756
=====================  ===============  ======================  ==========  ===========

(efficacy ceiling: LR / RF / GB ratio of models trained on the reconstructions of the
training rows). :class:`~tabgen_lib.latent_gmm.AEGMM` and
:class:`~tabgen_lib.latent_diffusion.AEDiffusion` therefore default to 16 and 0.1;
:class:`~tabgen_lib.aegan.AEGAN` keeps the method's 32 and 0.05.

**What caps the ceiling on Adult** (latent 16, noise 0.1, one seed, the same tuning
split; LR / GB efficacy of the reconstructions 0.985 / 0.973). Putting the true values
of one column back into the reconstructions at a time: ``capital-gain`` lifts them to
0.998 / 0.985 and ``capital-loss`` to 0.987 / 0.980; no other column moves gradient
boosting half as far as ``capital-loss`` does. The non-zero values of these columns (8 %
and 5 % of the rows) share the top of the quantile scale above the spike at 0, where a
small error of the decoder is a large error in dollars. Hence ``spike_share``
(:class:`~tabgen_lib.transforms.TabularTransformer`): such a column becomes a flag (at the
spike or not) plus its other values on a quantile scale of their own, on which the spike
rows sit at the end next to the spike (-1). With the AE-Diffusion on the tuning split, seeds
0 and 1, without -> with the flags: detection AUC 0.708 -> 0.691 and 0.682 -> 0.659;
efficacy LR / RF / GB 0.972 / 0.974 / 0.967 -> 0.990 / 0.982 / 0.976 and 0.966 / 0.967 /
0.963 -> 0.988 / 0.977 / 0.973. Where the spike rows sit matters: a first try that gave
them a random non-zero value (which the decoder then had to reproduce, and could not)
reached 0.687 but a gradient-boosting efficacy of only 0.964.
:class:`~tabgen_lib.latent_gmm.AEGMM` and :class:`~tabgen_lib.latent_diffusion.AEDiffusion`
default to ``spike_share=0.5``; :class:`~tabgen_lib.aegan.AEGAN` keeps one scale per
column, as its chapters measured it. On the insurance and tips tables no column
qualifies, so nothing changes there.

**Value blocks.** The flags did not finish the job. With them (seed 0, the same split),
the reconstructions of the training rows still gave a capital gain other than the true
one in 6.2 % of all rows (three in four of the non-zero gains) and a capital loss other
than the true one in 3.3 %; putting the true ``capital-gain`` back lifted gradient
boosting's efficacy from 0.983 to 0.991, ``capital-loss`` to 0.988 (``fnlwgt``, the
third, to 0.987; every other column by at most 0.002, the noise of one fit). The
non-zero amounts, though spread over a scale of their own now, lie on average less than
a hundredth of the scale's width apart, and a decoder trained with latent noise is not
that precise. These columns are snapped anyway (119 and 92 amounts on Adult's training
split, zero included, each shared by many rows on average), so every decoded value
is one of the amounts seen: the transformer now gives such a column a *value block*, one
category per amount, and the decoder picks an amount with a softmax. Measured by passing
the two columns as discrete columns (the same one-hot encoding): the reconstructions'
gradient-boosting efficacy rose from 0.983 to 0.993 (seed 0); the AE-Diffusion's samples,
seeds 0 / 1 / 2, reached a detection AUC of 0.696 / 0.696 / 0.679 (with the flags 0.691 /
0.659 / 0.715) and a gradient-boosting efficacy of 0.979 / 0.985 / 0.982 (0.976 / 0.973 /
0.970), the lowest family 0.979 / 0.977 / 0.982. Detection is level within the seeds'
spread, efficacy higher in every seed. The price is a wider autoencoder (205 more
inputs and outputs on Adult): in the benchmark the AE-Diffusion's fit took 121 s instead
of 104 s on one thread. On small tables a value block can cost more than it buys: the
transformer makes one only for a column with many values and the rows to learn each
(:mod:`tabgen_lib.transforms` gives the rule and the measurements behind it).

:class:`~tabgen_lib.latent_base.LatentModel` is the small base class of the three
generators: it checks the shared settings, runs Stage 1 (with :func:`train_autoencoder`)
and Stage 3, and leaves Stage 2 to the subclass.

Examples
--------
>>> from tabgen_lib.models import Autoencoder
>>> from tabgen_lib.transforms import ColumnSpan
>>> rng = torch.Generator().manual_seed(0)
>>> x = torch.rand(80, 1, generator=rng) * 2 - 1
>>> ae = Autoencoder([ColumnSpan("x", "continuous", 0, 1)], latent_dim=2, hidden=[8])
>>> h = train_autoencoder(ae, x[:64], steps=120, lr=1e-2, batch_size=16, latent_noise=0.0,
...                       rng=rng, x_val=x[64:], patience=1000)
>>> h["ae_step"][-1], len(h["ae_val"])
(120, 3)
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = ["EVAL_EVERY", "split_validation", "train_autoencoder"]

#: Steps between two measurements of the validation loss (and two points of the history).
EVAL_EVERY = 50


#: Seconds between two redraws of a progress bar. tqdm's default, 0.1 s, sends a notebook
#: frontend ten widget updates a second: over a fit of minutes, thousands of messages, more
#: than the kernel's output channel buffers for a client that reads it only after the cell
#: (nbval, on a loaded machine, then lost the cell's last message and timed out).
BAR_INTERVAL = 1.0


def _bar(progress: bool) -> dict:
    # progress=False hides the bars; otherwise tqdm's own settings apply, at most one redraw
    # a second (TQDM_DISABLE=1 hides them too, e.g. when the book is built).
    return {"mininterval": BAR_INTERVAL} if progress else {"disable": True}


def split_validation(n_rows: int, share: float, rng: torch.Generator) -> tuple:
    """Row indices ``(train, validation)``: a random ``share`` of ``n_rows`` held out.

    ``round(share * n_rows)`` rows, but none when that is 0 (no early stopping) and never so
    many that fewer than two training rows are left.

    >>> train, val = split_validation(10, 0.2, torch.Generator().manual_seed(0))
    >>> len(train), len(val), sorted(train.tolist() + val.tolist()) == list(range(10))
    (8, 2, True)
    """
    n_val = min(round(share * n_rows), max(n_rows - 2, 0))
    order = torch.randperm(n_rows, generator=rng, device=rng.device)
    return order[n_val:], order[:n_val]


@torch.no_grad()
def _validation_loss(autoencoder, x_val: torch.Tensor) -> float:
    total = 0.0
    for xb in x_val.split(8192):
        mse, ce = autoencoder.row_losses(autoencoder(xb), xb)
        total += float((mse + ce).sum())
    return total / len(x_val)


def train_autoencoder(
    autoencoder,
    x: torch.Tensor,
    *,
    steps: int | None = None,
    lr: float,
    batch_size: int,
    latent_noise: float,
    rng: torch.Generator,
    x_val: torch.Tensor | None = None,
    patience: int | None = None,
    progress: bool = False,
    epochs: int | None = None,
) -> dict:
    """Stage 1: train ``autoencoder`` on the transformed rows ``x``, then freeze it.

    Each of at most ``steps`` Adam steps (learning rate ``lr``) takes the next
    ``batch_size`` rows of a random order of ``x`` (a new order when fewer are left) and
    minimises

    .. math:: L_{AE} = L_{MSE} + L_{CE}, \\qquad \\hat x = \\mathrm{dec}(\\mathrm{enc}(x)
              + \\sigma \\varepsilon), \\quad \\varepsilon \\sim \\mathcal N(0, I),

    with :math:`\\sigma` = ``latent_noise``: the noise teaches the decoder to decode slightly
    imperfect embeddings (a latent model's) into plausible rows.

    **Early stopping.** With validation rows ``x_val``, every :data:`EVAL_EVERY` steps (and
    after the last) the mean :math:`L_{AE}` of those rows, without noise, is measured; the
    weights of the best measurement are kept, and training stops once ``patience`` steps
    passed without a better one (``None``: never early). Without ``x_val`` the last
    weights are kept. Afterwards the autoencoder is in eval mode and its parameters no
    longer require gradients.

    ``epochs`` is the old way to give the budget (deprecated): it becomes
    ``epochs * (len(x) // batch_size)`` steps, with a :class:`FutureWarning`.

    Returns ``{"ae_step", "ae_mse", "ae_ce", "ae_val"}``: at every measurement, the step,
    the mean training losses since the previous one and the validation loss (``ae_val``
    stays empty without ``x_val``).
    """
    n = len(x)
    batch = min(batch_size, n)
    if epochs is not None:
        warnings.warn(
            "train_autoencoder(epochs=...) is deprecated: give steps= (optimizer steps); "
            f"{epochs} epochs of {n} rows in batches of {batch} are "
            f"{epochs * (n // batch)} steps.",
            FutureWarning,
            stacklevel=2,
        )
        steps = epochs * (n // batch)
    if steps is None:
        raise TypeError("train_autoencoder needs steps= (the number of optimizer steps).")
    history: dict[str, list] = {"ae_step": [], "ae_mse": [], "ae_ce": [], "ae_val": []}
    opt = torch.optim.Adam(autoencoder.parameters(), lr=lr)
    best, best_state, best_step = math.inf, None, 0
    order, position = torch.randperm(n, generator=rng, device=x.device), 0
    sums, count = [0.0, 0.0], 0
    autoencoder.train()
    for step in tqdm(range(1, steps + 1), desc="Stage 1: autoencoder", **_bar(progress)):
        if position + batch > n:
            order, position = torch.randperm(n, generator=rng, device=x.device), 0
        xb = x[order[position : position + batch]]
        position += batch
        z = autoencoder.encode(xb)
        if latent_noise:
            z = z + latent_noise * torch.randn(z.shape, generator=rng, device=z.device)
        mse, ce = autoencoder.losses(autoencoder.decode(z), xb)
        opt.zero_grad()
        (mse + ce).backward()
        opt.step()
        sums[0] += mse.item()
        sums[1] += ce.item()
        count += 1
        if step % EVAL_EVERY and step != steps:
            continue
        history["ae_step"].append(step)
        history["ae_mse"].append(sums[0] / count)
        history["ae_ce"].append(sums[1] / count)
        sums, count = [0.0, 0.0], 0
        if x_val is None or len(x_val) == 0:
            continue
        loss = _validation_loss(autoencoder, x_val)
        history["ae_val"].append(loss)
        if loss < best:
            best, best_state, best_step = loss, copy.deepcopy(autoencoder.state_dict()), step
        if patience is not None and step - best_step >= patience:
            break
    if best_state is not None:
        autoencoder.load_state_dict(best_state)
    autoencoder.eval()
    for p in autoencoder.parameters():
        p.requires_grad_(False)
    return history


def _best_step(history: dict) -> int:
    """The step whose weights :func:`train_autoencoder` kept."""
    if history["ae_val"]:
        return int(history["ae_step"][int(np.argmin(history["ae_val"]))])
    return int(history["ae_step"][-1])
