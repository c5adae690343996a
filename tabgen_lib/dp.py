"""DP-SGD from scratch, and the privacy accountant that turns its noise into an epsilon.

**DP-SGD** (Abadi et al., "Deep learning with differential privacy", CCS 2016) changes one
thing in stochastic gradient descent: how a batch's gradient is formed. At every step

1. **sample** a batch by Poisson sampling: every one of the :math:`N` rows joins
   independently with probability :math:`q` (the *sample rate*), so the batch size varies
   around :math:`B = qN`;
2. compute **per-sample gradients** :math:`g_i = \\nabla_\\theta \\ell(x_i, y_i)`;
3. **clip** each to norm at most :math:`C`: :math:`\\bar g_i = g_i \\min(1, C / \\lVert g_i
   \\rVert)`, so that no single person can move the sum by more than :math:`C`;
4. **sum, add noise and average**:
   :math:`\\tilde g = \\frac{1}{B}\\left(\\sum_i \\bar g_i + \\mathcal N(0, \\sigma^2 C^2 I)
   \\right)`, dividing by the *expected* batch size :math:`B` (dividing by the actual
   size would reveal it);
5. **step**: :math:`\\theta \\leftarrow \\theta - \\eta\\,\\tilde g`.

:math:`\\sigma` is the *noise multiplier*. These are exactly the operations of Opacus
(Yousefpour et al., 2021), the library the course uses for real models; the tests check
that :func:`train_dp_sgd` gives Opacus's parameters step for step. (Like Opacus, the
clipping factor is :math:`\\min(1, C / (\\lVert g_i \\rVert + 10^{-6}))`, guarding against
division by zero.)

Per-sample gradients. Ordinary backpropagation sums the gradients of a batch. Here
:func:`torch.func.grad` takes the gradient of *one* sample's loss and
:func:`torch.func.vmap` maps it over the batch: the code reads like a loop over samples
but runs as one batched computation. (A plain Python loop with ``loss.backward()`` per
sample gives the same numbers, much more slowly.) Layers that mix samples, such as
batch normalisation, have no per-sample gradient; use layer or group normalisation.

**Accounting.** Each step is a *sampled Gaussian mechanism*. Its Rényi differential
privacy (Mironov, "Rényi differential privacy", CSF 2017) of order :math:`\\alpha` is at
most :math:`\\alpha / (2\\sigma^2)` without sampling and much smaller with it (Mironov,
Talwar & Zhang, 2019); RDP adds up over steps and over training stages, and converts to
:math:`(\\varepsilon, \\delta)`-DP by

.. math::

    \\varepsilon = \\min_\\alpha \\; \\mathrm{RDP}(\\alpha) + \\log\\frac{\\alpha - 1}{\\alpha}
        - \\frac{\\log\\delta + \\log\\alpha}{\\alpha - 1}

(Balle et al., AISTATS 2020). :func:`epsilon_spent`, :func:`epsilon_for_stages` and
:func:`noise_for_epsilon` call Opacus's RDP accountant for this; only they need Opacus.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from tabgen_lib.validation import (
    check_float,
    check_int,
    check_random_state,
    forked_torch_rng,
    positive_float,
    torch_generator,
)

__all__ = [
    "DPTrainingResult",
    "clip_and_sum",
    "dp_sgd_step",
    "epsilon_for_stages",
    "epsilon_spent",
    "noise_for_epsilon",
    "per_sample_gradients",
    "poisson_batch",
    "train_dp_sgd",
]


# ---------------------------------------------------------------------------- one step


def per_sample_gradients(model: nn.Module, loss_fn, inputs, targets):
    """``(gradients, losses)``: every sample's gradient and loss, by ``vmap`` over ``grad``.

    ``gradients`` maps each trainable parameter's name to a tensor of shape
    ``(batch, *parameter.shape)``; ``loss_fn(outputs, targets)`` is called on one sample
    at a time (a batch of one).

    Examples
    --------
    >>> model = nn.Linear(1, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(2.0)
    >>> x, y = torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [0.0]])
    >>> grads, losses = per_sample_gradients(model, nn.MSELoss(), x, y)
    >>> grads["weight"].flatten().tolist()  # d/dw (w x)^2 = 2 w x^2
    [4.0, 36.0]
    """
    params = {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}
    buffers = {name: b.detach() for name, b in model.named_buffers()}

    def sample_loss(params, x, y):
        output = functional_call(model, (params, buffers), (x.unsqueeze(0),))
        loss = loss_fn(output, y.unsqueeze(0))
        return loss, loss.detach()

    per_sample = vmap(grad(sample_loss, has_aux=True), in_dims=(None, 0, 0), randomness="different")
    return per_sample(params, inputs, targets)


def clip_and_sum(gradients: dict, max_grad_norm: float) -> dict:
    """Clip every sample's whole gradient (all parameters together) to norm
    ``max_grad_norm``, then sum over the samples.

    Examples
    --------
    >>> grads = {"w": torch.tensor([[3.0, 4.0], [0.3, 0.4]])}  # norms 5 and 0.5
    >>> clip_and_sum(grads, 1.0)["w"]  # 3/5, 4/5 (clipped) plus 0.3, 0.4 (kept)
    tensor([0.9000, 1.2000])
    """
    per_parameter = [g.reshape(len(g), -1).norm(2, dim=-1) for g in gradients.values()]
    norms = torch.stack(per_parameter, dim=1).norm(2, dim=1)
    factors = (max_grad_norm / (norms + 1e-6)).clamp(max=1.0)
    # sum_i factor_i * g_i for every parameter, as Opacus writes it
    return {name: torch.einsum("i,i...", factors, g) for name, g in gradients.items()}


def dp_sgd_step(
    model: nn.Module,
    loss_fn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    lr: float,
    max_grad_norm: float,
    noise_multiplier: float,
    expected_batch_size: float,
    generator: torch.Generator | None,
) -> float:
    """One DP-SGD step on the batch ``(inputs, targets)``; returns its mean loss.

    Per-sample gradients, clipped to ``max_grad_norm``, summed; Gaussian noise of standard
    deviation ``noise_multiplier * max_grad_norm`` drawn from ``generator`` (parameter by
    parameter, in the model's order); divided by ``expected_batch_size``; a plain SGD
    step with learning rate ``lr``. An empty batch still adds noise (its loss is NaN).
    ``generator`` may be ``None`` only without noise.
    """
    params = _trainable(model)
    lr = positive_float(lr, "lr")
    max_grad_norm = positive_float(max_grad_norm, "max_grad_norm")
    noise_multiplier = check_float(noise_multiplier, "noise_multiplier", min_value=0)
    expected_batch_size = positive_float(expected_batch_size, "expected_batch_size")
    if generator is None and noise_multiplier > 0:
        raise ValueError("generator is None: give the noise a generator, torch_generator(seed).")
    if len(inputs) == 0:
        summed, loss = {name: torch.zeros_like(p) for name, p in params}, float("nan")
    else:
        gradients, losses = per_sample_gradients(model, loss_fn, inputs, targets)
        summed, loss = clip_and_sum(gradients, max_grad_norm), float(losses.mean())
    std = noise_multiplier * max_grad_norm
    with torch.no_grad():
        for name, p in params:
            noise = torch.zeros_like(p)
            if std > 0:
                noise = torch.normal(
                    0.0, std, size=p.shape, generator=generator, dtype=p.dtype, device=p.device
                )
            p.add_((summed[name] + noise) / expected_batch_size, alpha=-lr)
    return loss


def _trainable(model: nn.Module) -> list:
    """The (name, parameter) pairs of ``model`` that require gradients; at least one."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters: nothing to train.")
    return params


def poisson_batch(n_rows: int, sample_rate: float, generator: torch.Generator) -> torch.Tensor:
    """Indices of a Poisson-sampled batch: each row joins with probability ``sample_rate``.

    One uniform number per row from ``generator``, as Opacus's
    ``UniformWithReplacementSampler`` draws them.

    Examples
    --------
    >>> from tabgen_lib.validation import torch_generator
    >>> poisson_batch(10, 0.3, torch_generator(0)).tolist()
    [2, 3]
    """
    return (torch.rand(n_rows, generator=generator) < sample_rate).nonzero().reshape(-1)


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True)
class DPTrainingResult:
    """What :func:`train_dp_sgd` did: per-step mean losses and batch sizes, and the privacy.

    ``epsilon`` is the :math:`\\varepsilon` spent at ``delta`` (``None`` without a delta).
    """

    steps: int
    sample_rate: float
    noise_multiplier: float
    max_grad_norm: float
    delta: float | None
    epsilon: float | None
    losses: list = field(repr=False)
    batch_sizes: list = field(repr=False)

    def __str__(self) -> str:
        privacy = f" -> epsilon {self.epsilon:.2f} at delta {self.delta:g}" if self.delta else ""
        return (
            f"DP-SGD: {self.steps} steps, sample rate {self.sample_rate:.4g}, noise multiplier "
            f"{self.noise_multiplier:g}, clipping norm {self.max_grad_norm:g}{privacy}"
        )


def _check_tensors(inputs, targets) -> None:
    for name, value in (("inputs", inputs), ("targets", targets)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}.")
    if len(inputs) == 0 or len(inputs) != len(targets):
        raise ValueError(
            f"inputs has {len(inputs)} rows and targets {len(targets)}: give the same, "
            "non-zero number of rows."
        )


def train_dp_sgd(
    model: nn.Module,
    loss_fn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    batch_size: int,
    steps: int,
    lr: float = 0.1,
    max_grad_norm: float = 1.0,
    noise_multiplier: float = 1.0,
    delta: float | None = None,
    random_state: int | None = 0,
) -> DPTrainingResult:
    """Train ``model`` in place with DP-SGD for ``steps`` Poisson-sampled batches.

    The sample rate is ``q = batch_size / len(inputs)``, so batches hold ``batch_size``
    rows on average. Randomness: the batches are drawn from ``torch_generator(seed)``,
    the noise from ``torch_generator(seed + 1)`` on the model's device (with ``seed`` from
    ``random_state``), and any dropout inside a forked global generator; the caller's
    random state is untouched.

    Parameters
    ----------
    model : torch.nn.Module
        Already initialised; no batch normalisation.
    loss_fn : callable
        ``loss_fn(outputs, targets)``, mean over its batch (e.g. ``nn.MSELoss()``).
    inputs, targets : torch.Tensor
        The training data, one row per person.
    batch_size : int
        Expected batch size, between 1 and ``len(inputs)``.
    steps : int
        Number of steps.
    lr : float
        Learning rate of the SGD step.
    max_grad_norm : float
        Clipping norm :math:`C` (> 0).
    noise_multiplier : float
        :math:`\\sigma` (>= 0; 0 means no privacy).
    delta : float, optional
        If given, in (0, 1): the result carries the epsilon spent at this delta.
    random_state : int or None
        Seed of sampling and noise.

    Examples
    --------
    >>> x = torch.linspace(-1, 1, 100).unsqueeze(1)
    >>> with forked_torch_rng(0):
    ...     model = nn.Linear(1, 1)  # learns y = 3 x
    >>> result = train_dp_sgd(model, nn.MSELoss(), x, 3 * x, batch_size=10, steps=100,
    ...                       lr=0.5, noise_multiplier=1.0, delta=1e-5)
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE
    DP-SGD: 100 steps, sample rate 0.1, noise multiplier 1, clipping norm 1
    -> epsilon 7.90 at delta 1e-05
    >>> round(model.weight.item(), 1)
    3.0
    """
    device = _trainable(model)[0][1].device
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable: loss_fn(outputs, targets) -> loss.")
    _check_tensors(inputs, targets)
    batch_size = check_int(batch_size, "batch_size", min_value=1, max_value=len(inputs))
    steps = check_int(steps, "steps", min_value=1)
    lr = positive_float(lr, "lr")
    max_grad_norm = positive_float(max_grad_norm, "max_grad_norm")
    noise_multiplier = check_float(noise_multiplier, "noise_multiplier", min_value=0)
    if delta is not None:
        delta = _check_delta(delta)
    seed = check_random_state(random_state)

    sample_rate = batch_size / len(inputs)
    sampler, noise = torch_generator(seed), torch_generator(seed + 1, device)
    losses, sizes = [], []
    with forked_torch_rng(seed + 2, device):  # dropout, if any, draws from a forked generator
        for _ in range(steps):
            batch = poisson_batch(len(inputs), sample_rate, sampler).to(inputs.device)
            loss = dp_sgd_step(
                model,
                loss_fn,
                inputs[batch],
                targets[batch],
                lr=lr,
                max_grad_norm=max_grad_norm,
                noise_multiplier=noise_multiplier,
                expected_batch_size=batch_size,
                generator=noise,
            )
            losses.append(loss)
            sizes.append(len(batch))
    epsilon = None
    if delta is not None:
        epsilon = epsilon_spent(noise_multiplier, sample_rate, steps, delta)
    return DPTrainingResult(
        steps, sample_rate, noise_multiplier, max_grad_norm, delta, epsilon, losses, sizes
    )


# ---------------------------------------------------------------------------- accounting


def _check_delta(delta) -> float:
    return check_float(
        delta, "delta", min_value=0, max_value=1, include_min=False, include_max=False
    )


def _check_stage(noise_multiplier, sample_rate, steps) -> tuple[float, float, int]:
    return (
        check_float(noise_multiplier, "noise_multiplier", min_value=0),
        check_float(sample_rate, "sample_rate", min_value=0, max_value=1, include_min=False),
        check_int(steps, "steps", min_value=1),
    )


def epsilon_for_stages(stages, delta: float) -> float:
    """Epsilon after several training stages, each ``(noise_multiplier, sample_rate, steps)``.

    The RDP of the stages is added order by order, then converted once: tighter than adding
    the stages' epsilons, never looser than the largest stage alone.

    Examples
    --------
    >>> both = epsilon_for_stages([(1.0, 0.01, 1000), (2.0, 0.02, 500)], delta=1e-5)
    >>> first, second = epsilon_spent(1.0, 0.01, 1000, 1e-5), epsilon_spent(2.0, 0.02, 500, 1e-5)
    >>> max(first, second) <= both <= first + second
    True
    """
    from opacus.accountants import RDPAccountant

    if not isinstance(stages, list | tuple):
        raise TypeError(f"stages must be a list of stages, got {type(stages).__name__}.")
    history = []
    for stage in stages:
        if not isinstance(stage, list | tuple) or len(stage) != 3:
            raise TypeError(f"a stage is (noise_multiplier, sample_rate, steps), got {stage!r}.")
        history.append(_check_stage(*stage))
    if not history:
        raise ValueError("stages is empty: give at least one (noise, sample_rate, steps).")
    accountant = RDPAccountant()
    accountant.history = history
    return float(accountant.get_epsilon(delta=_check_delta(delta)))


def epsilon_spent(noise_multiplier: float, sample_rate: float, steps: int, delta: float) -> float:
    """Epsilon of ``steps`` DP-SGD steps at ``delta`` (Opacus's RDP accountant).

    ``noise_multiplier == 0`` gives ``inf``: without noise there is no privacy.

    Examples
    --------
    >>> round(epsilon_spent(1.0, 0.01, 1000, 1e-5), 2)  # 10 epochs of 1 % batches
    2.1
    """
    return epsilon_for_stages([(noise_multiplier, sample_rate, steps)], delta)


def noise_for_epsilon(
    epsilon: float, delta: float, sample_rate: float, steps: int, *, tolerance: float = 0.01
) -> float:
    """The noise multiplier that spends ``epsilon`` (within ``tolerance``) in ``steps`` steps.

    A bisection over :func:`epsilon_spent` (Opacus's ``get_noise_multiplier``); the answer
    errs on the safe side: its epsilon is at most ``epsilon``.

    Examples
    --------
    >>> sigma = noise_for_epsilon(2.0, 1e-5, 0.01, 1000)
    >>> 1.98 <= epsilon_spent(sigma, 0.01, 1000, 1e-5) <= 2.0
    True
    """
    from opacus.accountants.utils import get_noise_multiplier

    epsilon = positive_float(epsilon, "epsilon")
    delta = _check_delta(delta)
    _, sample_rate, steps = _check_stage(0.0, sample_rate, steps)
    tolerance = positive_float(tolerance, "tolerance")
    # the bisection visits huge noise levels, where Opacus warns that the best RDP order is
    # the largest it tries; that says nothing about the answer, so keep it quiet
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")
        sigma = get_noise_multiplier(
            target_epsilon=epsilon,
            target_delta=delta,
            sample_rate=sample_rate,
            steps=steps,
            accountant="rdp",
            epsilon_tolerance=tolerance,
        )
    return float(sigma)
