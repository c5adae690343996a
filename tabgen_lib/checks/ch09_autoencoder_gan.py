"""Checks of chapter 09, *Autoencoder + GAN on Adult* (``notebooks/09_autoencoder_gan.ipynb``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_efficacy_ratio", "check_smallest_good_latent"]


def _raises_value_error(fn: Callable, name: str, *args) -> bool:
    """True if ``fn(*args)`` raises a ValueError; other errors are reported to the student."""
    try:
        fn(*args)
    except NotImplementedError:
        _fail(f"`{name}` is not implemented yet: replace the `...` and the `raise` line.")
    except ValueError:
        return True
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"`{name}{args}` raised {type(err).__name__}: {err}; expected a ValueError.")
    return False


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
