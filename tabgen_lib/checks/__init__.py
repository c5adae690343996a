"""Exercise checks: tell a student, in plain words, whether an answer is right.

How a check works. ``check_xyz(xyz)`` takes the student's function ``xyz``, calls it on a
few cases where the right answer is known -- computed by a reference such as
``torch.autograd``, ``torch.optim.Adam``, ``np.polyfit`` or a few lines of correct code --
and compares. If every case agrees it prints a short ``Correct! ...``; otherwise it raises
:class:`ExerciseCheckError` (an :class:`AssertionError`) whose message names the case and,
where the mistake is a common one, hints at the fix. An unfinished exercise (a stub that
raises ``NotImplementedError``) fails with a reminder instead of a traceback.

Randomness. Every check runs in a fork of PyTorch's random state and seeds only inside it,
so its cases are the same on every run and the student's random numbers are left as they
were.

Layout. :mod:`~tabgen_lib.checks._core` holds what all checks share (calling the
student's function, reporting, the random state); each chapter's checks live in a module
named after its notebook: ``notebooks/04_linear_regression.ipynb`` ->
:mod:`tabgen_lib.checks.ch04_linear_regression`. Every check is importable from here, so
each notebook needs only ``from tabgen_lib import checks``.

Examples
--------
>>> from tabgen_lib import checks
>>> checks.check_mse(lambda pred, target: ((pred - target) ** 2).mean())
Correct! Your MSE matches torch.nn.MSELoss on 3 test cases and is differentiable.
>>> checks.check_mse(lambda pred, target: (pred - target).abs().mean())  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tabgen_lib.checks.ExerciseCheckError: For this input the MSE should be 4.0000, ... to square?
"""

from ._core import ExerciseCheckError
from .ch00_pytorch_primer import check_broadcast_shape, check_gradient_descent, check_train_step
from .ch01_gans import check_gan_training_step, check_mlp_parameter_count
from .ch02_minimax_game import (
    check_collapsed_dstar,
    check_optimal_discriminator,
    check_value_function,
    check_weighted_optimal_discriminator,
    check_weighted_value_at_optimum,
)
from .ch03_backpropagation import (
    check_bce_logits_grad,
    check_detach_effect,
    check_linear_relu_backward,
)
from .ch04_linear_regression import (
    check_fit_line,
    check_l1_step,
    check_least_squares,
    check_mse,
)
from .ch05_sine_fitting import (
    check_adam_step,
    check_build_model,
    check_top_hessian_eigenvalue,
)
from .ch06_circles_classification import check_build_classifier, check_collapse_linears
from .ch07_ctgan_insurance import check_correlation_difference, check_exact_copy_share
from .ch08_how_ctgan_works import (
    check_gradient_penalty,
    check_log_frequency_probabilities,
    check_pack,
)
from .ch09_autoencoder_gan import (
    check_bic_by_hand,
    check_choose_latent_size,
    check_efficacy_ratio,
    check_mixture_parameter_count,
    check_smallest_good_latent,
)
from .ch10_conditional_gan import (
    check_balancing_plan,
    check_draw_label_codes,
    check_label_share,
    check_minority_batch_stats,
)
from .ch11_latent_diffusion import check_ddim_step, check_forward_noise, check_ideal_noise
from .ch12_privacy import check_choose_epsilon, check_distance_auc_by_hand, check_gaussian_epsilon
from .ch13_legacy_gan_code import check_checkpoint_state, check_load_weights, check_resume

__all__ = [
    "check_broadcast_shape",
    "check_gradient_descent",
    "check_train_step",
    "ExerciseCheckError",
    "check_mse",
    "check_least_squares",
    "check_fit_line",
    "check_l1_step",
    "check_mlp_parameter_count",
    "check_gan_training_step",
    "check_value_function",
    "check_optimal_discriminator",
    "check_collapsed_dstar",
    "check_weighted_optimal_discriminator",
    "check_weighted_value_at_optimum",
    "check_linear_relu_backward",
    "check_bce_logits_grad",
    "check_detach_effect",
    "check_build_model",
    "check_adam_step",
    "check_top_hessian_eigenvalue",
    "check_build_classifier",
    "check_collapse_linears",
    "check_exact_copy_share",
    "check_correlation_difference",
    "check_log_frequency_probabilities",
    "check_pack",
    "check_gradient_penalty",
    "check_mixture_parameter_count",
    "check_bic_by_hand",
    "check_choose_latent_size",
    "check_draw_label_codes",
    "check_minority_batch_stats",
    "check_efficacy_ratio",
    "check_smallest_good_latent",
    "check_label_share",
    "check_balancing_plan",
    "check_forward_noise",
    "check_ddim_step",
    "check_ideal_noise",
    "check_distance_auc_by_hand",
    "check_gaussian_epsilon",
    "check_choose_epsilon",
    "check_load_weights",
    "check_checkpoint_state",
    "check_resume",
]
