"""Numbers shared by the attacks: ROC AUC with a bootstrap interval, Wilson intervals for rates.

A membership attack gives every candidate row a score, higher meaning "more likely a
member". Its ROC AUC is the probability that a random member scores higher than a random
non-member (ties count one half): 0.5 is guessing, 1 is a perfect attack. It is computed
from ranks (the Mann-Whitney U statistic), which equals
:func:`sklearn.metrics.roc_auc_score` and is fast enough to repeat for a bootstrap.

The **bootstrap** interval resamples the members and the non-members, each with
replacement and at its own size, recomputes the AUC each time and reports the 2.5 % and
97.5 % quantiles (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993). It shows how
much the AUC would move with other candidate rows; it does not include the randomness of
the generator itself (train it again to see that).

The **Wilson** score interval (Wilson, 1927) for a success rate, as anonymeter (Giomi et
al., 2023) uses it: with :math:`k` successes out of :math:`n` and :math:`z` the normal
quantile of the confidence level,

.. math::

    \\hat p = \\frac{k + z^2/2}{n + z^2}, \\qquad
    \\text{error} = \\frac{z}{n + z^2}\\sqrt{\\frac{k(n-k)}{n} + \\frac{z^2}{4}}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm, rankdata
from sklearn.metrics import roc_curve

from tabgen_lib.validation import check_float, check_int, check_random_state

__all__ = ["MembershipResult", "auc_interval", "roc_auc", "wilson"]


def roc_auc(member_scores, non_member_scores) -> np.ndarray:
    """ROC AUC of members against non-members, along the last axis (one AUC per row).

    Examples
    --------
    >>> float(roc_auc(np.array([3.0, 2.0]), np.array([1.0, 2.0])))
    0.875
    """
    member_scores = np.asarray(member_scores, dtype=float)
    n_members, n_non = member_scores.shape[-1], np.shape(non_member_scores)[-1]
    both = np.concatenate([member_scores, np.asarray(non_member_scores, dtype=float)], axis=-1)
    ranks = rankdata(both, axis=-1)[..., :n_members]  # ties share the mean rank
    return (ranks.sum(axis=-1) - n_members * (n_members + 1) / 2) / (n_members * n_non)


def auc_interval(member_scores, non_member_scores, n_bootstrap: int, seed: int, level=0.95):
    """``(auc, low, high)``: the AUC and its bootstrap interval (members and non-members
    resampled separately, ``n_bootstrap`` times, with ``numpy.random.default_rng(seed)``).

    Examples
    --------
    >>> auc, low, high = auc_interval([3.0, 2.0, 5.0], [1.0, 2.0, 0.0], 200, seed=0)
    >>> round(auc, 3), low <= auc <= high
    (0.944, True)
    """
    members = np.asarray(member_scores, dtype=float)
    non_members = np.asarray(non_member_scores, dtype=float)
    rng = np.random.default_rng(seed)
    picks_m = rng.integers(0, len(members), size=(n_bootstrap, len(members)))
    picks_n = rng.integers(0, len(non_members), size=(n_bootstrap, len(non_members)))
    resampled = roc_auc(members[picks_m], non_members[picks_n])
    tail = (1 - level) / 2
    low, high = np.quantile(resampled, [tail, 1 - tail])
    return float(roc_auc(members, non_members)), float(low), float(high)


def wilson(n_success: int, n_total: int, confidence_level: float = 0.95) -> tuple[float, float]:
    """``(rate, error)``: the Wilson estimate of a success rate and its half-width.

    Examples
    --------
    >>> rate, error = wilson(50, 100)
    >>> round(rate, 3), round(error, 3)
    (0.5, 0.096)
    """
    z = float(norm.ppf(0.5 * (1 + confidence_level)))
    denominator = n_total + z * z
    rate = (n_success + 0.5 * z * z) / denominator
    error = z / denominator * np.sqrt(n_success * (n_total - n_success) / n_total + 0.25 * z * z)
    return float(rate), float(error)


def check_bootstrap(n_bootstrap, random_state) -> tuple[int, int]:
    """``n_bootstrap`` (an int >= 1) and a seed from ``random_state`` (an int or None)."""
    return check_int(n_bootstrap, "n_bootstrap", min_value=1), check_random_state(random_state)


@dataclass(frozen=True, eq=False)
class MembershipResult:
    """What a membership attack found: scores, ROC AUC and its bootstrap 95 % interval.

    Attributes
    ----------
    attack : str
        The attack's name.
    auc : float
        ROC AUC of the members' scores against the non-members' (0.5: no better than a
        coin; 1: every member scores above every non-member).
    auc_low, auc_high : float
        The bootstrap 95 % interval of the AUC.
    member_scores, non_member_scores : numpy.ndarray
        The attack's score of every candidate row, higher meaning "member".
    """

    attack: str
    auc: float
    auc_low: float
    auc_high: float
    member_scores: np.ndarray = field(repr=False)
    non_member_scores: np.ndarray = field(repr=False)

    @classmethod
    def from_scores(cls, attack, member_scores, non_member_scores, n_bootstrap, seed):
        """The result of ``attack`` with these scores (AUC and interval computed here)."""
        auc, low, high = auc_interval(member_scores, non_member_scores, n_bootstrap, seed)
        return cls(attack, auc, low, high, np.asarray(member_scores), np.asarray(non_member_scores))

    def tpr_at_fpr(self, fpr: float = 0.1) -> float:
        """Share of members caught when at most ``fpr`` of the non-members are accused.

        The AUC averages over all thresholds; an attack matters when it is sure about a
        few rows, so Carlini et al. ("Membership inference attacks from first principles",
        IEEE S&P 2022) report the true-positive rate at a low false-positive rate.

        Examples
        --------
        >>> result = MembershipResult.from_scores("demo", [3, 2, 0.5], [1, 0, 0.2], 10, 0)
        >>> result.tpr_at_fpr(0.0)
        0.6666666666666666
        """
        fpr = check_float(fpr, "fpr", min_value=0, max_value=1)
        labels = np.r_[np.ones(len(self.member_scores)), np.zeros(len(self.non_member_scores))]
        scores = np.r_[self.member_scores, self.non_member_scores]
        false_rates, true_rates, _ = roc_curve(labels, scores, drop_intermediate=False)
        return float(true_rates[false_rates <= fpr].max())

    def __str__(self) -> str:
        return (
            f"{self.attack}: AUC {self.auc:.3f} (95% interval {self.auc_low:.3f} to "
            f"{self.auc_high:.3f}; {len(self.member_scores)} members, "
            f"{len(self.non_member_scores)} non-members)"
        )
