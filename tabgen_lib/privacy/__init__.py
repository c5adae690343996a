"""Privacy attacks on synthetic tables: what a released table gives away about real people.

Four attacks, each returning a small result with the score(s), an AUC or a risk and a 95 %
interval, and a one-line summary for notebooks:

- :func:`distance_attack` -- membership by the distance to the closest synthetic record;
- :func:`density_attack` -- membership by a density ratio, as in DOMIAS
  (van Breugel et al., AISTATS 2023);
- :func:`shadow_model_attack` -- membership of chosen targets by training the generator
  with and without them, as in Stadler, Oprisanu & Troncoso (USENIX Security 2022);
  :func:`outlier_targets` and :func:`average_targets` choose the targets;
- :func:`attribute_inference_risk` -- guessing a secret column from the quasi-identifiers,
  as anonymeter (Giomi et al., PoPETs 2023) defines it.

Every attack has the same sanity checks: releasing the training rows themselves gives an
AUC (or a risk) near 1; releasing fresh rows of the same population gives about 0.5 (a risk
about 0). :func:`toy_population` draws such rows in no time.
"""

from ._common import TableEncoder, check_tables
from ._stats import MembershipResult
from .attribute import AttributeInferenceResult, attribute_inference_risk
from .density import density_attack
from .distance import distance_attack
from .shadow import ShadowResult, average_targets, outlier_targets, shadow_model_attack
from .toy import TOY_DISCRETE, toy_population

__all__ = [
    "TOY_DISCRETE",
    "AttributeInferenceResult",
    "MembershipResult",
    "ShadowResult",
    "TableEncoder",
    "attribute_inference_risk",
    "average_targets",
    "check_tables",
    "density_attack",
    "distance_attack",
    "outlier_targets",
    "shadow_model_attack",
    "toy_population",
]
