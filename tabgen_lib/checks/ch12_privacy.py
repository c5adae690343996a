"""Checks of chapter 12, *Privacy, measured* (``notebooks/12_privacy.ipynb``)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from ._core import _call, _fail, _number, _own_rng, _passed

__all__ = ["check_choose_epsilon", "check_distance_auc_by_hand", "check_gaussian_epsilon"]

#: The orders of Opacus's RDP accountant (``RDPAccountant.DEFAULT_ALPHAS``).
ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def _distance_cases() -> list:
    """``(name, members, non_members, synthetic)`` tables of numbers with a known answer."""
    rng = np.random.default_rng(12)

    def people(n):
        return pd.DataFrame(
            {
                "age": rng.integers(18, 65, n).astype(float),
                "charges": rng.normal(13000, 9000, n).round(-2),
            }
        )

    members, others = people(40), people(30)
    nearby = members.assign(age=members["age"] + 0.5)  # near copies of the members
    tied = pd.DataFrame({"age": [30.0, 50.0], "charges": [5000.0, 5000.0]})
    return [
        ("members released", members, others, members.copy()),
        ("fresh rows released", members, others, people(50)),
        ("near copies released", members, others, nearby),
        ("two rows at equal distance", tied.iloc[[0]], tied.iloc[[1]], tied.assign(age=40.0)),
    ]


def _reference(members, non_members, synthetic):
    from tabgen_lib.privacy import distance_attack

    return distance_attack(members, non_members, synthetic, n_bootstrap=1)


def _unscaled_auc(members, non_members, synthetic) -> float:
    """The AUC of a usual mistake: distances in the columns' own units."""
    from sklearn.neighbors import NearestNeighbors

    from tabgen_lib.privacy._stats import roc_auc

    nearest = NearestNeighbors(n_neighbors=1).fit(synthetic.to_numpy(float))
    scores = [-nearest.kneighbors(t.to_numpy(float))[0][:, 0] for t in (members, non_members)]
    return float(roc_auc(*scores))


@_own_rng
def check_distance_auc_by_hand(distance_auc_by_hand: Callable) -> None:
    """Check ``distance_auc_by_hand(members, non_members, synthetic) -> float``: the ROC
    AUC of the distance attack on tables of numbers (columns scaled by the members' range,
    score minus the distance to the closest synthetic row, ties count one half), which
    must equal :func:`tabgen_lib.privacy.distance_attack`'s AUC.

    Examples
    --------
    >>> from scipy.stats import rankdata
    >>> from sklearn.neighbors import NearestNeighbors
    >>> def distance_auc_by_hand(members, non_members, synthetic):
    ...     low, span = members.min(), (members.max() - members.min()).replace(0, 1)
    ...     scale = lambda t: ((t - low) / span).to_numpy(float)
    ...     nearest = NearestNeighbors(n_neighbors=1).fit(scale(synthetic))
    ...     scores = [-nearest.kneighbors(scale(t))[0][:, 0] for t in (members, non_members)]
    ...     ranks = rankdata(np.concatenate(scores))[: len(scores[0])]
    ...     m, n = len(scores[0]), len(scores[1])
    ...     return (ranks.sum() - m * (m + 1) / 2) / (m * n)
    >>> check_distance_auc_by_hand(distance_auc_by_hand)
    Correct! Your attack's AUC equals distance_attack's on 4 releases.
    """
    for name, members, non_members, synthetic in _distance_cases():
        got = _number(
            _call(
                distance_auc_by_hand,
                "distance_auc_by_hand",
                members.copy(),
                non_members.copy(),
                synthetic.copy(),
            ),
            "The AUC",
        )
        reference = _reference(members, non_members, synthetic)
        want = reference.auc
        if np.isclose(got, want, atol=1e-9):
            continue
        pairs = reference.member_scores[:, None] - reference.non_member_scores[None, :]
        hint = ""
        if np.isclose(got, 1 - want, atol=1e-9):
            hint = " Closer means 'member': the score is *minus* the distance."
        elif np.isclose(got, (pairs > 0).mean()) or np.isclose(got, (pairs >= 0).mean()):
            hint = " A tie between a member and a non-member counts one half."
        elif np.isclose(got, _unscaled_auc(members, non_members, synthetic), atol=1e-9):
            hint = (
                " Scale every column by the members' range (max - min) before measuring "
                "distances, or charges in dollars drown the age in years."
            )
        _fail(f"With the {name}, the AUC should be {want:.4f}, got {got:.4f}.{hint}")
    _passed("Your attack's AUC equals distance_attack's on 4 releases.")


@_own_rng
def check_gaussian_epsilon(gaussian_epsilon: Callable) -> None:
    """Check ``gaussian_epsilon(noise_multiplier, steps, delta, orders) -> float``: epsilon
    of ``steps`` full-batch DP-SGD steps (no sampling), RDP :math:`T\\alpha / (2\\sigma^2)`
    converted at the best of ``orders``, as Opacus's accountant computes it.

    Examples
    --------
    >>> def gaussian_epsilon(noise_multiplier, steps, delta, orders):
    ...     alphas = np.asarray(orders, dtype=float)
    ...     rdp = steps * alphas / (2 * noise_multiplier**2)
    ...     eps = rdp + np.log((alphas - 1) / alphas) - (np.log(delta) + np.log(alphas)) / (
    ...         alphas - 1)
    ...     return float(eps.min())
    >>> check_gaussian_epsilon(gaussian_epsilon)
    Correct! Your epsilon equals Opacus's on 5 settings.
    """
    from tabgen_lib.dp import epsilon_spent

    for sigma, steps, delta in (
        (1.0, 1, 1e-5),
        (4.0, 10, 1e-5),
        (2.0, 100, 1e-3),
        (10.0, 50, 1 / 1338),
        (0.8, 3, 1e-6),
    ):
        got = _number(
            _call(gaussian_epsilon, "gaussian_epsilon", sigma, steps, delta, list(ORDERS)),
            "Epsilon",
        )
        want = epsilon_spent(sigma, 1.0, steps, delta)
        if math.isclose(got, want, rel_tol=1e-6):
            continue
        a = np.asarray(ORDERS, dtype=float)
        convert = np.log((a - 1) / a) - (np.log(delta) + np.log(a)) / (a - 1)
        rdp = steps * a / (2 * sigma**2)
        one_step = float((a / (2 * sigma**2) + convert).min())
        older = [  # Mironov's conversion (2017), and one with a term left out
            float((rdp - np.log(delta) / (a - 1)).min()),
            float((rdp - (np.log(delta) + np.log(a)) / (a - 1)).min()),
        ]
        hint = ""
        if math.isclose(got, one_step, rel_tol=1e-6):
            hint = " That is one step: the RDP of T steps is T times that of one."
        elif any(math.isclose(got, value, rel_tol=1e-6) for value in older):
            hint = " Use the whole conversion: RDP + log((a-1)/a) - (log delta + log a)/(a-1)."
        elif got > want:
            hint = " Take the smallest epsilon over all the orders."
        _fail(
            f"For sigma={sigma}, {steps} steps and delta={delta:g}, epsilon should be "
            f"{want:.4f}, got {got:.4f}.{hint}"
        )
    _passed("Your epsilon equals Opacus's on 5 settings.")


def _measured(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["epsilon", "efficacy", "attack_high"])


#: ``(measured, min_efficacy, max_attack_auc, answer)``; answer None: no epsilon fits.
_USES = [
    (_measured([(1, 0.80, 0.52), (3, 0.93, 0.53), (10, 0.97, 0.56)]), 0.9, 0.55, 3),
    (_measured([(10, 0.97, 0.56), (1, 0.80, 0.52), (3, 0.93, 0.53)]), 0.9, 0.55, 3),
    (_measured([(1, 0.80, 0.52), (3, 0.93, 0.53), (10, 0.97, 0.56)]), 0.95, 0.6, 10),
    (_measured([(1, 0.95, 0.52), (3, 0.96, 0.53), (math.inf, 0.99, 0.52)]), 0.9, 0.55, 1),
    (_measured([(1, 0.80, 0.52), (3, 0.90, 0.58), (10, 0.97, 0.56)]), 0.9, 0.57, 10),
    (_measured([(1, 0.80, 0.52), (3, 0.85, 0.53), (math.inf, 0.99, 0.52)]), 0.9, 0.55, None),
]


def _raises_value_error(fn: Callable, *args) -> bool:
    try:
        fn(*args)
    except NotImplementedError:
        _fail("`choose_epsilon` is not implemented yet: replace the `...` and the `raise` line.")
    except ValueError:
        return True
    except Exception as err:  # noqa: BLE001 - we report any error to the student
        _fail(f"`choose_epsilon` raised {type(err).__name__}: {err}; expected a ValueError.")
    return False


@_own_rng
def check_choose_epsilon(choose_epsilon: Callable) -> None:
    """Check ``choose_epsilon(measured, min_efficacy, max_attack_auc) -> (epsilon,
    justification)``: the smallest finite epsilon of ``measured`` (columns ``epsilon``,
    ``efficacy``, ``attack_high``) whose efficacy is at least ``min_efficacy`` and whose
    attack AUC's upper bound is at most ``max_attack_auc``; ``justification`` is that row
    as a dict; a ``ValueError`` when no epsilon fits the use.

    Examples
    --------
    >>> def choose_epsilon(measured, min_efficacy, max_attack_auc):
    ...     ok = measured[(measured["efficacy"] >= min_efficacy)
    ...                   & (measured["attack_high"] <= max_attack_auc)
    ...                   & np.isfinite(measured["epsilon"])]
    ...     if ok.empty:
    ...         raise ValueError("no epsilon fits this use")
    ...     row = ok.sort_values("epsilon").iloc[0]
    ...     return float(row["epsilon"]), row.to_dict()
    >>> check_choose_epsilon(choose_epsilon)
    Correct! You choose the most private epsilon that the use allows in 6 cases.
    """
    for measured, min_efficacy, max_attack, answer in _USES:
        args = (measured.copy(), min_efficacy, max_attack)
        use = f"efficacy >= {min_efficacy} and attack AUC <= {max_attack}"
        if answer is None:
            if not _raises_value_error(choose_epsilon, *args):
                _fail(
                    f"For the use '{use}' on\n{measured}\nno epsilon fits: raise a ValueError "
                    "(a row without DP, epsilon = inf, gives no guarantee)."
                )
            continue
        result = _call(choose_epsilon, "choose_epsilon", *args)
        if not isinstance(result, tuple | list) or len(result) != 2:
            _fail("Return two things: (epsilon, justification).")
        epsilon, justification = _number(result[0], "The epsilon"), result[1]
        if epsilon != answer:
            hint = ""
            if math.isinf(epsilon):
                hint = " A row without DP (epsilon = inf) gives no guarantee: never choose it."
            elif epsilon > answer:
                hint = " A smaller epsilon fits too: spend no more privacy than the use needs."
            else:
                hint = " That epsilon breaks one of the two conditions."
            _fail(f"For the use '{use}' on\n{measured}\nchoose {answer}, got {epsilon}.{hint}")
        row = measured[measured["epsilon"] == answer].iloc[0]
        if not isinstance(justification, dict) or any(
            not np.isclose(_number(justification.get(k, np.nan), k), row[k])
            for k in ("efficacy", "attack_high")
        ):
            _fail(
                "The justification must be the chosen row's measurements, a dict with its "
                f"'efficacy' ({row['efficacy']}) and 'attack_high' ({row['attack_high']})."
            )
    _passed("You choose the most private epsilon that the use allows in 6 cases.")
