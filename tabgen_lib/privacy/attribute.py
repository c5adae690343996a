"""Attribute inference: guess a secret column of real people from the synthetic table.

The attacker knows some columns of a person -- the **quasi-identifiers** (age, sex,
postcode, ...) -- and wants a **secret** column (a diagnosis, an income). With a synthetic
table it looks up the synthetic record closest to the person on the quasi-identifiers and
reads off that record's secret. This is the inference attack of anonymeter (Giomi, Boenisch,
Wehmeyer & Tasnádi, "A unified framework for quantifying privacy risk in synthetic data",
PoPETs 2023), the tool the French data protection authority (CNIL) reviewed for
anonymisation; anonymeter itself pins ``numpy < 1.27``, so the course implements it here.

A guess is right when it equals the secret (discrete secret; two missing values are
equal) or lies within a relative ``tolerance`` of it (continuous secret:
:math:`|\\hat s - s| \\le \\text{tolerance}\\cdot|s|`; anonymeter divides by the guess
instead). Distances on the quasi-identifiers are anonymeter's Gower-type L1 distance:
continuous columns over their range in the members, one different category counts 1
(:class:`~tabgen_lib.privacy.TableEncoder` with ``metric="manhattan"``).

Some guesses are right just because the synthetic table is realistic: smokers pay more, so
a high-charges record says "smoker" for anyone. The **control** rows -- real people the
generator never saw -- measure this: the attack on them uses only what the table teaches
about the population. The risk is the success on members beyond that, as a share of what
was left to gain:

.. math::

    \\text{risk} = \\frac{p_{\\text{members}} - p_{\\text{controls}}}{1 - p_{\\text{controls}}}.

Both rates are Wilson estimates (see :func:`~tabgen_lib.privacy._stats.wilson`); the
interval propagates their errors to first order and is clipped to [0, 1], as in anonymeter:

.. math::

    \\Delta\\text{risk} = \\sqrt{\\left(\\frac{\\Delta p_m}{1 - p_c}\\right)^2
        + \\left(\\frac{(1 - p_m)\\,\\Delta p_c}{(1 - p_c)^2}\\right)^2}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.neighbors import NearestNeighbors

from tabgen_lib.validation import check_discrete_columns, check_float

from ._common import TableEncoder, _category_keys, check_tables
from ._stats import wilson

__all__ = ["AttributeInferenceResult", "attribute_inference_risk"]


@dataclass(frozen=True, eq=False)
class AttributeInferenceResult:
    """The risk of inferring ``secret``, its interval, and the attack's success rates.

    ``member_success`` and ``control_success`` are Wilson estimates of the share of right
    guesses; ``member_correct`` / ``control_correct`` say which guesses were right.
    """

    secret: str
    risk: float
    risk_low: float
    risk_high: float
    member_success: float
    control_success: float
    member_correct: np.ndarray = field(repr=False)
    control_correct: np.ndarray = field(repr=False)

    def __str__(self) -> str:
        return (
            f"attribute inference of {self.secret!r}: risk {self.risk:.3f} (95% interval "
            f"{self.risk_low:.3f} to {self.risk_high:.3f}); right guesses "
            f"{self.member_success:.3f} of {len(self.member_correct)} members, "
            f"{self.control_success:.3f} of {len(self.control_correct)} controls"
        )


def _clip(value: float) -> float:
    return float(min(max(value, 0.0), 1.0))


def _check_columns(quasi_identifiers, secret, columns: list) -> list:
    quasi_identifiers = check_discrete_columns(quasi_identifiers, columns, name="quasi_identifiers")
    if secret not in columns:
        raise ValueError(f"secret {secret!r} is not a column of the tables; they have {columns}.")
    if not quasi_identifiers:
        raise ValueError("quasi_identifiers is empty: name the columns the attacker knows.")
    if secret in quasi_identifiers:
        raise ValueError(f"secret {secret!r} is also a quasi-identifier: the attacker knows it.")
    return quasi_identifiers


def attribute_inference_risk(
    members,
    controls,
    synthetic,
    quasi_identifiers,
    secret,
    discrete_columns=(),
    *,
    tolerance: float = 0.05,
    confidence_level: float = 0.95,
) -> AttributeInferenceResult:
    """Guess ``secret`` from the nearest synthetic record on ``quasi_identifiers``.

    Parameters
    ----------
    members : pandas.DataFrame
        The targets: rows the generator was trained on (or a sample of them).
    controls : pandas.DataFrame
        Rows of the same population the generator never saw (anonymeter suggests 500 to
        1000 for narrow intervals).
    synthetic : pandas.DataFrame
        The released synthetic table.
    quasi_identifiers : list of column names
        The columns the attacker knows.
    secret : column name
        The column the attacker guesses; not a quasi-identifier.
    discrete_columns : list of column names
        The discrete columns; every other column is continuous. A discrete secret must be
        guessed exactly, a continuous one within ``tolerance``.
    tolerance : float
        Relative tolerance for a continuous secret (0.05: within 5 %).
    confidence_level : float
        Level of the Wilson intervals, in (0, 1).

    Returns
    -------
    AttributeInferenceResult
        The risk with its interval and the two success rates.

    Examples
    --------
    >>> from tabgen_lib.privacy import TOY_DISCRETE, toy_population
    >>> members = toy_population(200, random_state=1)
    >>> controls = toy_population(200, random_state=2)
    >>> known = ["age", "bmi", "region"]
    >>> copies = attribute_inference_risk(members, controls, members, known, "smoker",
    ...                                   TOY_DISCRETE)
    >>> copies.risk > 0.9
    True
    """
    (members, controls, synthetic), discrete = check_tables(
        {"members": members, "controls": controls, "synthetic": synthetic}, discrete_columns
    )
    quasi_identifiers = _check_columns(quasi_identifiers, secret, list(members.columns))
    tolerance = check_float(tolerance, "tolerance", min_value=0)
    confidence_level = check_float(
        confidence_level, "confidence_level", min_value=0, max_value=1, include_min=False,
        include_max=False,
    )  # fmt: skip

    known_discrete = [c for c in discrete if c in quasi_identifiers]
    encoder = TableEncoder(known_discrete, metric="manhattan").fit(members[quasi_identifiers])
    nearest = NearestNeighbors(n_neighbors=1, metric="manhattan")
    nearest.fit(encoder.transform(synthetic[quasi_identifiers]))

    def correct(targets) -> np.ndarray:
        index = nearest.kneighbors(encoder.transform(targets[quasi_identifiers]))[1][:, 0]
        guesses, truth = synthetic[secret].iloc[index], targets[secret]
        if secret in discrete:
            return _category_keys(guesses).to_numpy() == _category_keys(truth).to_numpy()
        guesses, truth = guesses.to_numpy(float), truth.to_numpy(float)
        return np.abs(guesses - truth) <= tolerance * np.abs(truth)

    member_correct, control_correct = correct(members), correct(controls)
    p_m, dp_m = wilson(int(member_correct.sum()), len(member_correct), confidence_level)
    p_c, dp_c = wilson(int(control_correct.sum()), len(control_correct), confidence_level)
    risk = (p_m - p_c) / (1 - p_c)
    error = np.hypot(dp_m / (1 - p_c), (1 - p_m) * dp_c / (1 - p_c) ** 2)
    return AttributeInferenceResult(
        secret=secret,
        risk=_clip(risk),
        risk_low=_clip(risk - error),
        risk_high=_clip(risk + error),
        member_success=p_m,
        control_success=p_c,
        member_correct=member_correct,
        control_correct=control_correct,
    )
