"""Checks of chapter 09, *Autoencoder + GAN on Adult* (``notebooks/09_autoencoder_gan.ipynb``).

The exercises are on the chapter's model choices: the parameter count of a full-covariance
Gaussian mixture (the penalty of BIC), the BIC itself computed by hand and compared with
scikit-learn's, and the choice of a latent size by held-out detection AUC.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = [
    "check_bic_by_hand",
    "check_choose_latent_size",
    "check_mixture_parameter_count",
    # the exercises of earlier versions of the chapter (submitted notebooks still call them)
    "check_efficacy_ratio",
    "check_smallest_good_latent",
]


def _reference_count(k: int, d: int) -> int:
    return k * (d + d * (d + 1) // 2) + k - 1


@_own_rng
def check_mixture_parameter_count(mixture_parameter_count: Callable) -> None:
    """Check ``mixture_parameter_count(k, d) -> int``: the free parameters of a Gaussian
    mixture with ``k`` full-covariance components in ``d`` dimensions,
    ``k * (d + d (d + 1) / 2) + k - 1``, compared with scikit-learn's own count.

    Examples
    --------
    >>> def mixture_parameter_count(k, d):
    ...     return k * (d + d * (d + 1) // 2) + k - 1
    >>> check_mixture_parameter_count(mixture_parameter_count)
    Correct! Your count matches scikit-learn's GaussianMixture in 5 cases.
    """
    from sklearn.mixture import GaussianMixture

    for k, d in ((1, 1), (1, 2), (3, 2), (5, 16), (50, 32)):
        got = _number(_call(mixture_parameter_count, "mixture_parameter_count", k, d), "The count")
        mixture = GaussianMixture(k, covariance_type="full")
        mixture.means_ = np.zeros((k, d))  # what _n_parameters reads
        want = int(mixture._n_parameters())
        assert want == _reference_count(k, d)
        if got == want:
            continue
        hint = ""
        if got == k * (d + d * d) + k - 1:
            hint = (
                " You counted all d*d entries of each covariance; it is symmetric, so only "
                "d(d+1)/2 of them are free."
            )
        elif got == k * (d + d * (d + 1) // 2) + k:
            hint = " The k weights sum to 1, so only k - 1 of them are free."
        elif got == k * (d + d * (d + 1) // 2):
            hint = " Do not forget the mixture weights (k - 1 free numbers)."
        elif got == k * (2 * d) + k - 1:
            hint = " That is a diagonal covariance (d numbers); a full one has d(d+1)/2."
        _fail(f"For k={k} components in d={d} dimensions the count is {want}, got {got:g}.{hint}")
    _passed("Your count matches scikit-learn's GaussianMixture in 5 cases.")


@_own_rng
def check_bic_by_hand(bic_by_hand: Callable) -> None:
    """Check ``bic_by_hand(mixture, z) -> float``: :math:`-2 \\log \\hat L + p \\log n` of a
    fitted :class:`~sklearn.mixture.GaussianMixture` on the rows ``z`` (``n`` rows, ``p``
    free parameters), compared with ``mixture.bic(z)``.

    Examples
    --------
    >>> import numpy as np
    >>> def bic_by_hand(mixture, z):
    ...     n, d = z.shape
    ...     k = mixture.n_components
    ...     p = k * (d + d * (d + 1) // 2) + k - 1
    ...     return -2 * mixture.score(z) * n + p * np.log(n)
    >>> check_bic_by_hand(bic_by_hand)
    Correct! Your BIC matches scikit-learn's mixture.bic on 3 mixtures.
    """
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(9)
    for k, d, n in ((1, 2, 200), (3, 2, 300), (4, 5, 500)):
        centres = rng.normal(0, 3, (k, d))
        z = centres[rng.integers(0, k, n)] + rng.normal(0, 0.5, (n, d))
        mixture = GaussianMixture(k, covariance_type="full", random_state=0).fit(z)
        got = _number(_call(bic_by_hand, "bic_by_hand", mixture, z.copy()), "The BIC")
        want = float(mixture.bic(z))
        if np.isclose(got, want, rtol=1e-6, atol=1e-6):
            continue
        loglik = float(mixture.score(z))  # mean log-likelihood per row
        p = _reference_count(k, d)
        hint = ""
        if np.isclose(got, -2 * loglik + p * np.log(n), rtol=1e-6):
            hint = (
                " mixture.score(z) is the *mean* log-likelihood per row: multiply by n for "
                "the log-likelihood of the data."
            )
        elif np.isclose(got, -loglik * n + p * np.log(n), rtol=1e-6):
            hint = " The likelihood term is -2 log L, not -log L."
        elif np.isclose(got, -2 * loglik * n + p * np.log(d), rtol=1e-6):
            hint = " The penalty is p log n with n the number of rows, not the dimension."
        elif np.isclose(got, -2 * loglik * n + 2 * p, rtol=1e-6):
            hint = " That is the AIC (penalty 2p); BIC's penalty is p log n."
        elif np.isclose(got, -2 * loglik * n, rtol=1e-6):
            hint = " Add the penalty p log n."
        _fail(
            f"For a mixture of {k} components on {n} rows in {d} dimensions the BIC is "
            f"{want:.2f}, got {got:.2f}.{hint}"
        )
    _passed("Your BIC matches scikit-learn's mixture.bic on 3 mixtures.")


def _raises_value_error(fn: Callable, name: str, *args) -> bool:
    """True if ``fn(*args)`` raises a ValueError; other errors are reported to the student."""
    try:
        fn(*args)
    except NotImplementedError:
        _fail(f"`{name}` is not implemented yet: replace the `...` and the `raise` line.")
    except ValueError:
        return True
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"`{name}` raised {type(err).__name__}: {err}; expected a ValueError.")
    return False


@_own_rng
def check_choose_latent_size(choose_latent_size: Callable) -> None:
    """Check ``choose_latent_size(detection, tolerance) -> int``: ``detection`` maps latent
    sizes to held-out detection AUCs (lower is better); return the smallest size whose AUC
    is at most ``min(detection.values()) + tolerance``. ``ValueError`` for no sizes, a
    negative tolerance, or an AUC outside ``[0, 1]``.

    Examples
    --------
    >>> def choose_latent_size(detection, tolerance=0.01):
    ...     if not detection or tolerance < 0:
    ...         raise ValueError("give sizes and a tolerance >= 0")
    ...     if any(not 0 <= auc <= 1 for auc in detection.values()):
    ...         raise ValueError("an AUC lies in [0, 1]")
    ...     best = min(detection.values())
    ...     return min(d for d, auc in detection.items() if auc <= best + tolerance)
    >>> check_choose_latent_size(choose_latent_size)
    Correct! You choose the smallest latent size within the tolerance of the lowest AUC in 6 cases.
    """
    cases = [
        ({16: 0.74, 32: 0.75, 64: 0.80}, 0.0, 16),
        ({16: 0.80, 32: 0.75, 64: 0.74}, 0.02, 32),
        ({64: 0.74, 16: 0.80, 32: 0.75}, 0.02, 32),
        ({16: 0.80, 32: 0.75, 64: 0.74}, 0.0, 64),
        ({16: 0.80, 32: 0.75, 64: 0.74}, 0.1, 16),
        ({8: 0.95, 16: 0.70, 32: 0.71, 64: 0.90}, 0.005, 16),
    ]
    for detection, tolerance, want in cases:
        got = _call(choose_latent_size, "choose_latent_size", dict(detection), tolerance)
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            _fail(f"Return a latent size (an int, a key of detection), got {got!r}.")
        if got == want:
            continue
        hint = ""
        if got == min(detection):
            hint = " That is the smallest size overall; its AUC must be within the tolerance."
        elif got == max(detection, key=detection.get):
            hint = " That size has the *highest* AUC: for detection, lower is better."
        elif got == min(detection, key=detection.get):
            hint = " That is the lowest AUC; the task asks for the smallest size within tolerance."
        _fail(
            f"For detection AUCs {detection} and tolerance {tolerance} the answer is {want}, "
            f"got {got}.{hint}"
        )
    invalid = [({}, 0.01, "no sizes"), ({16: 0.8}, -0.01, "a negative tolerance")]
    invalid.append(({16: 1.3, 32: 0.7}, 0.01, "an AUC above 1"))
    for detection, tolerance, what in invalid:
        if not _raises_value_error(choose_latent_size, "choose_latent_size", detection, tolerance):
            _fail(f"choose_latent_size should raise a ValueError for {what}.")
    _passed(
        "You choose the smallest latent size within the tolerance of the lowest AUC in 6 cases."
    )


# ---------------------------------------------------------------- earlier exercises


@_own_rng
def check_efficacy_ratio(efficacy_ratio: Callable) -> None:
    """Check ``efficacy_ratio(auc_synthetic, auc_real) -> float``: the ratio
    ``auc_synthetic / auc_real``, with a ``ValueError`` for an AUC outside ``[0, 1]`` and
    for ``auc_real <= 0.5`` (a real-data model no better than chance is no yardstick).

    Examples
    --------
    >>> def efficacy_ratio(auc_synthetic, auc_real):
    ...     for value in (auc_synthetic, auc_real):
    ...         if not 0.0 <= value <= 1.0:
    ...             raise ValueError("an AUC lies in [0, 1]")
    ...     if auc_real <= 0.5:
    ...         raise ValueError("the real model must beat chance")
    ...     return auc_synthetic / auc_real
    >>> check_efficacy_ratio(efficacy_ratio)
    Correct! Your ratio is right on 4 pairs and refuses 5 invalid ones.
    """
    for auc_synthetic, auc_real in ((0.8, 0.9), (0.9, 0.9), (0.5, 0.91), (0.95, 0.6)):
        got = _number(_call(efficacy_ratio, "efficacy_ratio", auc_synthetic, auc_real), "The ratio")
        want = auc_synthetic / auc_real
        if not np.isclose(got, want, rtol=1e-9, atol=1e-12):
            hint = ""
            if np.isclose(got, auc_real / auc_synthetic):
                hint = " You divided the other way round: synthetic over real."
            elif np.isclose(got, auc_synthetic - auc_real):
                hint = " That is a difference; the ratio divides."
            _fail(
                f"efficacy_ratio({auc_synthetic}, {auc_real}) should be {want:.4f}, "
                f"got {got:.4f}.{hint}"
            )
    invalid = [(1.2, 0.9), (-0.1, 0.9), (0.8, 1.5), (0.4, 0.5), (0.6, 0.3)]
    for auc_synthetic, auc_real in invalid:
        if not _raises_value_error(efficacy_ratio, "efficacy_ratio", auc_synthetic, auc_real):
            why = (
                "an AUC must lie between 0 and 1"
                if not (0 <= auc_synthetic <= 1 and 0 <= auc_real <= 1)
                else "the real-data model is no better than chance (auc_real <= 0.5)"
            )
            _fail(f"efficacy_ratio({auc_synthetic}, {auc_real}) should raise a ValueError: {why}.")
    _passed("Your ratio is right on 4 pairs and refuses 5 invalid ones.")


@_own_rng
def check_smallest_good_latent(smallest_good_latent: Callable) -> None:
    """Check ``smallest_good_latent(scores, tolerance) -> int``: the smallest latent size
    whose score is at least ``max(scores.values()) - tolerance``, with a ``ValueError``
    for an empty ``scores`` or a negative ``tolerance``.

    Examples
    --------
    >>> def smallest_good_latent(scores, tolerance=0.01):
    ...     if not scores:
    ...         raise ValueError("no scores")
    ...     if tolerance < 0:
    ...         raise ValueError("tolerance must be >= 0")
    ...     best = max(scores.values())
    ...     return min(d for d, s in scores.items() if s >= best - tolerance)
    >>> check_smallest_good_latent(smallest_good_latent)
    Correct! You pick the smallest latent size within the tolerance in 5 cases.
    """
    cases = [
        ({8: 0.90, 16: 0.95, 32: 0.97, 64: 0.975}, 0.01, 32),
        ({64: 0.975, 8: 0.90, 32: 0.97, 16: 0.95}, 0.01, 32),
        ({8: 0.90, 16: 0.95, 32: 0.97, 64: 0.975}, 0.0, 64),
        ({8: 0.90, 16: 0.95, 32: 0.97, 64: 0.975}, 0.1, 8),
        ({4: 0.80, 8: 0.99, 16: 0.98, 32: 0.985}, 0.005, 8),
    ]
    for scores, tolerance, want in cases:
        got = _call(smallest_good_latent, "smallest_good_latent", dict(scores), tolerance)
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            _fail(f"Return a latent size (an int, a key of scores), got {got!r}.")
        if got != want:
            best_key = max(scores, key=scores.get)
            hint = ""
            if got == best_key:
                hint = (
                    " That is the best size; the task asks for the smallest one within tolerance."
                )
            elif got == min(scores):
                hint = " That is the smallest size overall; its score must be within tolerance."
            _fail(
                f"For scores {scores} and tolerance {tolerance} the answer is {want}, "
                f"got {got}.{hint}"
            )
    for scores, tolerance in (({}, 0.01), ({8: 0.9, 16: 0.95}, -0.01)):
        if not _raises_value_error(smallest_good_latent, "smallest_good_latent", scores, tolerance):
            what = "empty scores" if not scores else "a negative tolerance"
            _fail(f"smallest_good_latent should raise a ValueError for {what}.")
    _passed("You pick the smallest latent size within the tolerance in 5 cases.")
