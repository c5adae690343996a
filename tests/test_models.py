import pytest
import torch
from torch import nn

from tabgen_lib.models import mlp


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
    "kwargs, match",
    [
        (dict(in_features=0, hidden=[4], out_features=1), "in_features"),
        (dict(in_features=1, hidden=[4], out_features=True), "out_features"),
        (dict(in_features=1, hidden=[0], out_features=1), "hidden"),
        (dict(in_features=1, hidden=[4], out_features=1, activation="swish"), "Unknown activation"),
        (dict(in_features=1, hidden=[4], out_features=1, output_activation="x"), "output_act"),
        (dict(in_features=1, hidden=[4], out_features=1, dropout=1.0), "dropout"),
    ],
)
def test_mlp_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mlp(**kwargs)
