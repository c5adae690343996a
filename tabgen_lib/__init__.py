"""tabgen_lib: the small, tested library shared by every chapter of the tabgen course.

One module per concern:

- :mod:`tabgen_lib.data` -- download, verify and parse the course data sets
- :mod:`tabgen_lib.runtime` -- seeding and device choice
- :mod:`tabgen_lib.models` -- small networks (:func:`~tabgen_lib.models.mlp`, the autoencoder
  and the latent GAN's networks)
- :mod:`tabgen_lib.gan1d` -- chapter 02's one-dimensional GAN (theory in
  :mod:`~tabgen_lib.gan1d_theory`)
- :mod:`tabgen_lib.training` -- a training loop with a progress bar and a loss history
- :mod:`tabgen_lib.plots` -- loss curves, predictions, decision boundaries, real vs synthetic
- :mod:`tabgen_lib.ctgan_steps` -- CTGAN piece by piece, a small teaching implementation
- :mod:`tabgen_lib.transforms` -- a reversible table <-> numbers transformer
- :mod:`tabgen_lib.aegan` -- the autoencoder + (conditional) GAN synthesizer, :class:`AEGAN`;
  its training stages in :mod:`~tabgen_lib.aegan_training`, label handling in
  :mod:`~tabgen_lib.aegan_labels`, save / load in :mod:`~tabgen_lib.aegan_checkpoint`
- :mod:`tabgen_lib.metrics` -- accuracy; detection, efficacy and privacy of synthetic tables
  (in :mod:`~tabgen_lib.metrics_detection`, :mod:`~tabgen_lib.metrics_dcr`; table checks in
  :mod:`~tabgen_lib.metrics_tables`)
- :mod:`tabgen_lib.privacy` -- attacks on synthetic tables: membership (distance, density,
  shadow models) and attribute inference
- :mod:`tabgen_lib.dp` -- DP-SGD from scratch (checked against Opacus) and its accountant
- :mod:`tabgen_lib.validation` -- the one policy for input checks and randomness
- :mod:`tabgen_lib.checkpoints` -- safe save / exact resume of training states
- :mod:`tabgen_lib.bench` -- the benchmark command (``python -m tabgen_lib.bench``)
- :mod:`tabgen_lib.checks` -- exercise checks
- :mod:`tabgen_lib.student` -- student versions of the notebooks
- :mod:`tabgen_lib.notebook` -- the setup cell and repository URL shared by the notebooks
"""

from .data import load_adult, load_insurance
from .runtime import get_device, set_seed
from .training import train

__version__ = "0.1.0"

__all__ = ["__version__", "get_device", "load_adult", "load_insurance", "set_seed", "train"]
