"""Membership inference by density ratio, in the spirit of DOMIAS.

A generator that overfits puts more probability near its training rows than the
population does. DOMIAS (van Breugel, Sun, Qian & van der Schaar, "Membership inference
attacks against synthetic data through overfitting detection", AISTATS 2023) therefore
scores a candidate row :math:`x` by the ratio of two densities,

.. math::

    s(x) = \\frac{p_{\\text{synthetic}}(x)}{p_{\\text{reference}}(x)},

where :math:`p_{\\text{synthetic}}` is estimated from the synthetic table and
:math:`p_{\\text{reference}}` from a **reference** sample of the population that is
disjoint from the members and the non-members. Dividing by the population density is what
distinguishes this from the distance attack: a row in a dense region is close to many
synthetic records whether or not it was a member; only an *excess* of synthetic density
over the population's points at a member.

Density estimates. Both densities are **Gaussian kernel density estimates** (KDE) in the
encoded space of :class:`~tabgen_lib.privacy.TableEncoder` (continuous columns over their
range in the reference, discrete columns one-hot), with an isotropic kernel. Why a KDE and
not a Gaussian mixture? Memorisation is *local*: a copied row adds a spike exactly at a
member. A KDE keeps such spikes (each synthetic row is a kernel), while a mixture with a
few components smooths them away. The paper itself uses a KDE or a normalising flow.

The two densities get different bandwidths, because they answer different questions:

* :math:`p_{\\text{reference}}` should be the smooth population density, so its bandwidth
  follows **Scott's rule** (Scott, *Multivariate Density Estimation*, 1992),
  :math:`h = \\bar\\sigma \\, n^{-1/(d+4)}` for :math:`n` rows in :math:`d` encoded
  dimensions, :math:`\\bar\\sigma` the mean standard deviation of the encoded columns;
* :math:`p_{\\text{synthetic}}` should show spikes, so its kernel is narrower than the gap
  between two real people: by default (``"spacing"``) half the median distance from a
  reference row to its nearest different reference row. With Scott's rule here too (pass
  ``synthetic_bandwidth="scott"``) the kernels average over many rows and even a table
  of exact copies of the members scores an AUC of only about 0.6 on the toy population.

The score is computed as :math:`\\log p_{\\text{synthetic}}(x) - \\log p_{\\text{reference}}(x)`,
which ranks rows the same way as the ratio and does not underflow.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KernelDensity

from tabgen_lib.validation import positive_float

from ._common import TableEncoder, check_tables, median_gap
from ._stats import MembershipResult, check_bootstrap

__all__ = ["density_attack", "scott_bandwidth", "spacing_bandwidth"]


def scott_bandwidth(points: np.ndarray) -> float:
    """Scott's rule for an isotropic Gaussian kernel: mean column spread times n^(-1/(d+4)).

    Examples
    --------
    >>> points = np.random.default_rng(0).normal(size=(1000, 1))
    >>> round(scott_bandwidth(points), 2)  # 1000 ** (-1 / 5) = 0.25
    0.25
    """
    n, d = points.shape
    spread = float(points.std(axis=0).mean())
    return (spread if spread > 0 else 1.0) * n ** (-1.0 / (d + 4))


def spacing_bandwidth(points: np.ndarray) -> float:
    """Half the median distance from a point to its nearest other point.

    Duplicated points count once (a twin is not a gap); with fewer than two distinct points
    Scott's rule is used instead.

    Examples
    --------
    >>> spacing_bandwidth(np.array([[0.0], [1.0], [3.0], [3.0]]))  # gaps 1, 1, 2
    0.5
    """
    gap = median_gap(points)
    return scott_bandwidth(points) if gap is None else gap / 2


def _bandwidth(value, name: str):
    """``"scott"``, ``"spacing"`` or a positive float."""
    if isinstance(value, str):
        if value not in ("scott", "spacing"):
            raise ValueError(f"{name} == {value!r}: use 'scott', 'spacing' or a positive number.")
        return value
    return positive_float(value, name)


def _log_density(fitted_on: np.ndarray, at: np.ndarray, bandwidth: float) -> np.ndarray:
    return KernelDensity(kernel="gaussian", bandwidth=bandwidth).fit(fitted_on).score_samples(at)


def density_attack(
    members,
    non_members,
    synthetic,
    reference,
    discrete_columns=(),
    *,
    reference_bandwidth="scott",
    synthetic_bandwidth="spacing",
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
) -> MembershipResult:
    """Score each candidate by log p_synthetic(x) - log p_reference(x) (DOMIAS).

    Parameters
    ----------
    members : pandas.DataFrame
        Rows the generator was trained on (or a sample of them).
    non_members : pandas.DataFrame
        Rows of the same population the generator never saw.
    synthetic : pandas.DataFrame
        The released synthetic table.
    reference : pandas.DataFrame
        A held-out sample of the population, disjoint from members and non-members: the
        attacker's picture of the population. The encoding is fitted on it.
    discrete_columns : list of column names
        The discrete columns; every other column is continuous.
    reference_bandwidth, synthetic_bandwidth : "scott", "spacing" or float
        Kernel bandwidths in encoded units: ``"scott"`` (Scott's rule on the density's own
        rows), ``"spacing"`` (half the median distance between distinct neighbours in the
        reference) or a positive number.
    n_bootstrap : int
        Resamples for the 95 % interval of the AUC.
    random_state : int or None
        Seed of the bootstrap (``None``: a fresh one every call).

    Returns
    -------
    MembershipResult
        The log density ratios of members and non-members, the ROC AUC and its interval.

    Raises
    ------
    TypeError
        A table is not a DataFrame, or a number is of the wrong type.
    ValueError
        Empty tables, different columns, unknown discrete columns, missing values in a
        continuous column, ``n_bootstrap < 1`` or a bandwidth that is not positive.

    Examples
    --------
    >>> from tabgen_lib.privacy import TOY_DISCRETE, toy_population
    >>> members = toy_population(100, random_state=1)
    >>> others = toy_population(100, random_state=2)
    >>> reference = toy_population(300, random_state=3)
    >>> leak = density_attack(members, others, members, reference, TOY_DISCRETE)
    >>> leak.auc > 0.95
    True
    """
    n_bootstrap, seed = check_bootstrap(n_bootstrap, random_state)
    reference_bandwidth = _bandwidth(reference_bandwidth, "reference_bandwidth")
    synthetic_bandwidth = _bandwidth(synthetic_bandwidth, "synthetic_bandwidth")
    (members, non_members, synthetic, reference), discrete = check_tables(
        {
            "members": members,
            "non_members": non_members,
            "synthetic": synthetic,
            "reference": reference,
        },
        discrete_columns,
    )
    encoder = TableEncoder(discrete).fit(reference)
    on_reference, on_synthetic = encoder.transform(reference), encoder.transform(synthetic)
    rules = {"scott": scott_bandwidth, "spacing": lambda _: spacing_bandwidth(on_reference)}
    h_ref, h_syn = (
        rules[h](points) if isinstance(h, str) else h
        for h, points in ((reference_bandwidth, on_reference), (synthetic_bandwidth, on_synthetic))
    )
    member_scores, non_member_scores = (
        _log_density(on_synthetic, x, h_syn) - _log_density(on_reference, x, h_ref)
        for x in (encoder.transform(members), encoder.transform(non_members))
    )
    return MembershipResult.from_scores(
        "density attack (DOMIAS)", member_scores, non_member_scores, n_bootstrap, seed
    )
