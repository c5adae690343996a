"""CTGAN step by step: a small teaching implementation of Xu et al. (2019).

Each piece of CTGAN is one short function or class, so that a chapter can show it, test
it and measure it on its own. The modules follow the ``ctgan`` package's layout
(sdv-dev/CTGAN: ``data_transformer``, ``data_sampler``, ``synthesizers/ctgan``):

- :mod:`.transformer` -- :class:`ModeNormalizer` (mode-specific normalisation of one
  continuous column) and :class:`CTGANTransformer` (a whole table to the generator's
  layout of :class:`OutputSpan` blocks, and back);
- :mod:`.sampler` -- :func:`log_frequency_probabilities` and :class:`ConditionSampler`:
  the conditional vector and training-by-sampling;
- :mod:`.networks` -- :func:`pack` and :class:`PackedCritic` (PacGAN), :class:`Residual`
  and :class:`ConditionalGenerator`, :func:`apply_activations`;
- :mod:`.losses` -- :func:`gradient_penalty` (WGAN-GP on packed interpolates),
  :func:`conditional_loss` and :func:`ctgan_generator_loss`;
- :mod:`.synthesizer` -- :func:`train_step` (one iteration of Algorithm 1 of the paper)
  and :class:`TeachingCTGAN` (all of it behind ``fit`` / ``sample``, like ``ctgan.CTGAN``).

It follows the ``ctgan`` package's choices (mixture settings, ``alpha`` clipped to
``[-0.99, 0.99]``, Gumbel-softmax temperature 0.2, Adam settings) but is written for
reading, not speed, and needs at least one discrete column.

Randomness follows :mod:`tabgen_lib.validation`: a constructor takes ``random_state`` (an
``int`` or ``None``); a method that draws takes ``rng`` (a ``numpy.random.Generator`` or an
integer seed) or a ``torch.Generator``, and otherwise draws from the object's own
generator. The caller's global random state is never changed.

Three names have look-alikes elsewhere in the library: :class:`CTGANTransformer` is not
:class:`tabgen_lib.transforms.TabularTransformer` (the autoencoder's, chapter 09),
:class:`OutputSpan` is not :class:`tabgen_lib.transforms.ColumnSpan`, and
:func:`ctgan_generator_loss` is not :func:`tabgen_lib.gan1d.generator_loss` (chapter 02).
"""

from .losses import conditional_loss, ctgan_generator_loss, gradient_penalty
from .networks import ConditionalGenerator, PackedCritic, Residual, apply_activations, pack
from .sampler import ConditionSampler, log_frequency_probabilities
from .synthesizer import TeachingCTGAN, train_step
from .transformer import ALPHA_CLIP, STD_MULTIPLIER, CTGANTransformer, ModeNormalizer, OutputSpan

TableTransformer = CTGANTransformer  # old name, kept for existing code
Span = OutputSpan  # old name, kept for existing code
generator_loss = ctgan_generator_loss  # old name, kept for existing code

__all__ = [
    "ALPHA_CLIP",
    "STD_MULTIPLIER",
    "CTGANTransformer",
    "ConditionSampler",
    "ConditionalGenerator",
    "ModeNormalizer",
    "OutputSpan",
    "PackedCritic",
    "Residual",
    "Span",
    "TableTransformer",
    "TeachingCTGAN",
    "apply_activations",
    "conditional_loss",
    "ctgan_generator_loss",
    "generator_loss",
    "gradient_penalty",
    "log_frequency_probabilities",
    "pack",
    "train_step",
]
