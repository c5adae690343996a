import numpy as np
import pytest
import torch
from torch import nn

from tabgen_lib.models import Autoencoder, latent_critic, latent_generator, mlp
from tabgen_lib.transforms import ColumnSpan


def test_mlp_shapes_and_layers():
    net = mlp(2, [8, 4], 3, activation="tanh", dropout=0.5, output_activation="sigmoid")
    kinds = [type(m) for m in net]
    assert kinds == [
        nn.Linear,
        nn.Tanh,
        nn.Dropout,
        nn.Linear,
        nn.Tanh,
        nn.Dropout,
        nn.Linear,
        nn.Sigmoid,
    ]
    out = net(torch.randn(5, 2))
    assert out.shape == (5, 3) and (out >= 0).all() and (out <= 1).all()
    assert [type(m) for m in mlp(3, [], 1)] == [nn.Linear]
    assert isinstance(mlp(1, [4], 1, activation="leaky_relu")[1], nn.LeakyReLU)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(in_features=0, hidden=[4], out_features=1), ValueError, "in_features == 0"),
        (dict(in_features=1, hidden=[4], out_features=True), TypeError, "out_features"),
        (dict(in_features=1.0, hidden=[4], out_features=1), TypeError, "in_features"),
        (dict(in_features=1, hidden=[0], out_features=1), ValueError, r"hidden\[0\]"),
        (dict(in_features=1, hidden=[4, 2.5], out_features=1), TypeError, r"hidden\[1\]"),
        (dict(in_features=1, hidden=4, out_features=1), TypeError, "list of layer widths"),
        (dict(in_features=1, hidden=[4], out_features=1, activation="swish"), ValueError, "Unkn"),
        (dict(in_features=1, hidden=[4], out_features=1, activation=nn.ReLU), TypeError, "name"),
        (dict(in_features=1, hidden=[4], out_features=1, output_activation="x"), ValueError, "out"),
        (dict(in_features=1, hidden=[4], out_features=1, dropout=1.0), ValueError, "dropout"),
        (dict(in_features=1, hidden=[4], out_features=1, dropout="0.1"), TypeError, "dropout"),
    ],
)
def test_mlp_rejects_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        mlp(**kwargs)


# ---------------------------------------------------------------- the AE-GAN's networks

SPANS = [
    ColumnSpan("x", "continuous", 0, 1),
    ColumnSpan("y", "continuous", 1, 2),
    ColumnSpan("colour", "discrete", 2, 5),
    ColumnSpan("size", "discrete", 5, 7),
]


def test_autoencoder_layout_and_latent_range():
    torch.manual_seed(0)
    ae = Autoencoder(SPANS, latent_dim=3, hidden=[16, 8])
    assert ae.n_continuous == ae.n_numeric == 2  # n_numeric: the old name
    assert ae.blocks == [(2, 5), (5, 7)]
    assert [m.out_features for m in ae.encoder if isinstance(m, nn.Linear)] == [16, 8, 3]
    assert [m.out_features for m in ae.decoder if isinstance(m, nn.Linear)] == [8, 16, 7]
    z = ae.encode(torch.randn(10, 7) * 100)
    assert z.shape == (10, 3) and z.abs().max() <= 1  # a Tanh latent
    assert ae(torch.randn(4, 7)).shape == (4, 7)


def test_autoencoder_losses_are_mse_plus_mean_cross_entropy():
    ae = Autoencoder(SPANS, latent_dim=2, hidden=[4])
    x = torch.tensor([[0.5, -0.5, 0, 1, 0, 1, 0], [0.0, 1.0, 0, 0, 1, 0, 1]])
    out = torch.tensor([[0.0, 0.0, 0, 0, 0, 0, 0], [0.0, 1.0, 0, 0, 9, 9, 0]])
    mse, ce = ae.row_losses(out, x)
    np.testing.assert_allclose(mse.numpy(), [0.25, 0.0])  # mean of 0.5² and 0.5²; exact
    # row 0: equal logits, CE = log 3 (colour) and log 2 (size), averaged over 2 columns;
    # row 1: colour logits (0, 0, 9) for category 2 (nearly right), size logits (9, 0)
    # for category 1 (badly wrong)
    colour, size = np.log(2 + np.exp(9)) - 9, np.log(np.exp(9) + 1) - 0
    expected = [(np.log(3) + np.log(2)) / 2, (colour + size) / 2]
    np.testing.assert_allclose(ce.numpy(), expected, rtol=1e-5)
    total_mse, total_ce = ae.losses(out, x)
    assert float(total_mse) == pytest.approx(0.125)
    assert float(total_ce) == pytest.approx(float(ce.mean()))


def test_autoencoder_of_one_kind_of_column_only():
    only_discrete = Autoencoder([ColumnSpan("c", "discrete", 0, 2)], latent_dim=2, hidden=[4])
    x = torch.tensor([[1.0, 0.0]])
    mse, ce = only_discrete.losses(only_discrete(x), x)
    assert mse.item() == 0.0 and ce.item() > 0
    only_continuous = Autoencoder([ColumnSpan("x", "continuous", 0, 1)], latent_dim=2, hidden=[4])
    mse, ce = only_continuous.losses(torch.ones(1, 1), torch.zeros(1, 1))
    assert float(mse) == 1.0 and float(ce) == 0.0


def test_latent_generator_and_critic():
    g = latent_generator(6, [8, 8], 3)
    assert [type(m) for m in g] == [
        nn.Linear,
        nn.BatchNorm1d,
        nn.ReLU,
        nn.Linear,
        nn.BatchNorm1d,
        nn.ReLU,
        nn.Linear,
        nn.Tanh,
    ]
    plain = latent_generator(6, [8], 3, batch_norm=False)
    assert [type(m) for m in plain] == [nn.Linear, nn.ReLU, nn.Linear, nn.Tanh]
    out = g(torch.randn(5, 6) * 50)
    assert out.shape == (5, 3) and out.abs().max() <= 1
    d = latent_critic(5, [16], pac=4, dropout=0.25)
    assert d[0].in_features == 20 and d[-1].out_features == 1
    assert isinstance(d[1], nn.LeakyReLU) and d[2].p == 0.25
