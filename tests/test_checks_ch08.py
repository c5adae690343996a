"""Exercise checks of chapter 08 (how CTGAN works)."""

import numpy as np
import pytest
import torch

from tabgen_lib import checks
from tabgen_lib.checks import ExerciseCheckError
from tabgen_lib.ctgan_steps import gradient_penalty, log_frequency_probabilities, pack

from ._checks_helpers import assert_keeps_random_state, stub


def test_check_log_frequency_probabilities(capsys):
    checks.check_log_frequency_probabilities(log_frequency_probabilities)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_log_frequency_probabilities(stub)
    with pytest.raises(ExerciseCheckError, match="raw shares"):
        checks.check_log_frequency_probabilities(lambda c: c / c.sum())
    with pytest.raises(ExerciseCheckError, match="Add 1"):
        checks.check_log_frequency_probabilities(lambda c: np.log(c) / np.log(c).sum())
    with pytest.raises(ExerciseCheckError, match="sum"):
        checks.check_log_frequency_probabilities(lambda c: np.log(c + 1))
    with pytest.raises(ExerciseCheckError, match="probabilities, got"):
        checks.check_log_frequency_probabilities(lambda c: [1.0])
    with pytest.raises(ExerciseCheckError, match="should be numbers"):
        checks.check_log_frequency_probabilities(lambda c: "half")
    with pytest.raises(ExerciseCheckError, match="expected"):
        checks.check_log_frequency_probabilities(lambda c: np.full(len(c), 1 / len(c)))
    checks.check_log_frequency_probabilities(
        lambda c: torch.as_tensor(log_frequency_probabilities(c))
    )


def test_check_pack(capsys):
    checks.check_pack(pack)
    assert capsys.readouterr().out.startswith("Correct!")
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_pack(stub)
    with pytest.raises(ExerciseCheckError, match="torch tensor"):
        checks.check_pack(lambda x, pac: x.numpy())
    with pytest.raises(ExerciseCheckError, match="shape"):
        checks.check_pack(lambda x, pac: x)
    with pytest.raises(ExerciseCheckError, match="consecutive rows"):
        checks.check_pack(
            lambda x, pac: (
                x.T.reshape(-1, pac, x.shape[0] // pac)
                .transpose(1, 2)
                .reshape(x.shape[0] // pac, -1)
                if pac > 1
                else x
            )
        )
    with pytest.raises(ExerciseCheckError, match="should raise a ValueError"):
        checks.check_pack(
            lambda x, pac: x.reshape(-1, pac * x.shape[1]) if x.shape[0] % pac == 0 else x
        )
    with pytest.raises(ExerciseCheckError, match="not TypeError"):
        checks.check_pack(
            lambda x, pac: (
                x.reshape(x.shape[0] // pac, pac * x.shape[1])
                if x.shape[0] % pac == 0
                else pack(x.numpy(), pac)
            )
        )

    def half_done(x, pac):
        if x.shape[0] % pac:
            raise NotImplementedError
        return pack(x, pac)

    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_pack(half_done)


def _per_row_norm(critic, real, fake, pac):
    n, d = real.shape
    rho = torch.rand(n // pac, 1, 1).expand(n // pac, pac, d).reshape(n, d)
    mixed = (rho * real + (1 - rho) * fake).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return 10 * ((grad.norm(dim=1) - 1) ** 2).mean()


def _variant(rho_shape=None, at="mixed", weight=10.0, squared=False, graph=True):
    def penalty(critic, real, fake, pac):
        n, d = real.shape
        if rho_shape == "row":
            rho = torch.rand(n, 1)
        elif rho_shape == "half":
            rho = torch.full((n, 1), 0.5)
        else:
            rho = torch.rand(n // pac, 1, 1).expand(n // pac, pac, d).reshape(n, d)
        point = {"mixed": rho * real + (1 - rho) * fake, "real": real}[at]
        point = point.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(point).sum(), point, create_graph=graph)
        norm = grad.reshape(n // pac, pac * d).norm(dim=1)
        norm = norm**2 if squared else norm
        return weight * ((norm - 1) ** 2).mean()

    return penalty


def test_check_gradient_penalty(capsys):
    checks.check_gradient_penalty(gradient_penalty)
    assert capsys.readouterr().out.startswith("Correct!")
    checks.check_gradient_penalty(_variant())
    with pytest.raises(ExerciseCheckError, match="not implemented yet"):
        checks.check_gradient_penalty(stub)
    with pytest.raises(ExerciseCheckError, match="whole pack"):
        checks.check_gradient_penalty(_per_row_norm)
    with pytest.raises(ExerciseCheckError, match="lambda = 10"):
        checks.check_gradient_penalty(_variant(weight=1.0))
    with pytest.raises(ExerciseCheckError, match="not its square"):
        checks.check_gradient_penalty(_variant(squared=True))
    with pytest.raises(ExerciseCheckError, match="differentiable"):
        checks.check_gradient_penalty(_variant(graph=False))
    with pytest.raises(ExerciseCheckError, match="interpolates"):
        checks.check_gradient_penalty(_variant(at="real"))
    with pytest.raises(ExerciseCheckError, match="one interpolation weight per pack"):
        checks.check_gradient_penalty(_variant(rho_shape="row"))
    with pytest.raises(ExerciseCheckError, match="uniformly in"):
        checks.check_gradient_penalty(_variant(rho_shape="half"))

    def detached(critic, real, fake, pac):
        return gradient_penalty(critic, real, fake, pac).detach() + 0.0 * critic(real).sum()

    with pytest.raises(ExerciseCheckError, match="critic's weights"):
        checks.check_gradient_penalty(detached)
    with pytest.raises(ExerciseCheckError, match="the penalty is"):
        checks.check_gradient_penalty(lambda critic, real, fake, pac: torch.tensor(5.0))


def test_check_gradient_penalty_leaves_the_global_random_state_alone(capsys):
    torch.manual_seed(321)
    state = torch.get_rng_state()
    checks.check_gradient_penalty(gradient_penalty)
    assert torch.equal(torch.get_rng_state(), state)


def test_checks_keep_the_random_state(monkeypatch):
    def run():
        checks.check_log_frequency_probabilities(log_frequency_probabilities)
        checks.check_pack(pack)
        checks.check_gradient_penalty(gradient_penalty)  # seeds the student's draws

    assert_keeps_random_state(monkeypatch, run)


def test_check_gradient_penalty_is_repeatable():
    """The interpolation test seeds the student's draws: a penalty too far from 10/3 for
    most seeds fails with the same number every time."""

    def biased(critic, real, fake, pac):
        n, d = real.shape
        rho = torch.rand(n // pac, 1, 1).expand(n // pac, pac, d).reshape(n, d) ** 3
        mixed = (rho * real + (1 - rho) * fake).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
        return 10 * ((grad.reshape(n // pac, pac * d).norm(dim=1) - 1) ** 2).mean()

    messages = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        with pytest.raises(ExerciseCheckError, match="near 10/3") as failure:
            checks.check_gradient_penalty(biased)
        messages.append(str(failure.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize(
    ("check", "name"),
    [
        (checks.check_log_frequency_probabilities, "my_log_frequency_probabilities"),
        (checks.check_pack, "my_pack"),
        (checks.check_gradient_penalty, "my_gradient_penalty"),
    ],
)
def test_checks_name_the_exercise_functions_that_shadow_nothing(check, name):
    # the chapter imports the library's functions without the prefix; the exercises' differ
    with pytest.raises(ExerciseCheckError, match=f"`{name}` is not implemented"):
        check(stub)
