import numpy as np
import pytest
import torch
from torch import nn

from tabgen_lib import set_seed, train
from tabgen_lib.training import as_tensor


def _line_data(n=64):
    X = torch.linspace(0, 1, n).unsqueeze(1)
    return X, 0.7 * X + 0.3


def _fit(epochs=300, **kwargs):
    set_seed(0)
    X, y = _line_data()
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    history = train(model, nn.MSELoss(), opt, X, y, epochs=epochs, progress=False, **kwargs)
    return model, history


def test_train_converges_and_records_each_epoch():
    model, history = _fit()
    assert list(history) == ["loss"]
    assert len(history["loss"]) == 300
    assert history["loss"][-1] < 1e-4 < history["loss"][0]
    assert abs(model.weight.item() - 0.7) < 0.01 and abs(model.bias.item() - 0.3) < 0.01


def test_train_is_reproducible_with_random_state():
    _, h1 = _fit(epochs=20, batch_size=8, random_state=0)
    _, h2 = _fit(epochs=20, batch_size=8, random_state=0)
    _, other = _fit(epochs=20, batch_size=8, random_state=1)
    assert h1 == h2
    assert other != h1  # another mini-batch order


def _dropout_fit(random_state, global_seed=0):
    set_seed(0)
    model = nn.Sequential(nn.Linear(1, 16), nn.Dropout(0.5), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = _line_data(16)
    torch.manual_seed(global_seed)  # the global state must not matter
    return train(
        model,
        nn.MSELoss(),
        opt,
        X,
        y,
        epochs=5,
        batch_size=4,
        progress=False,
        random_state=random_state,
    )


def test_train_dropout_and_batches_draw_from_random_state_not_the_global_rng():
    assert _dropout_fit(3, global_seed=0) == _dropout_fit(3, global_seed=1)
    assert _dropout_fit(3) != _dropout_fit(4)
    X, y = _line_data(16)
    model = nn.Sequential(nn.Linear(1, 16), nn.Dropout(0.5), nn.Linear(16, 1))
    before = torch.random.get_rng_state()
    train(
        model,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=3,
        batch_size=4,
        progress=False,
        random_state=0,
    )
    assert torch.equal(before, torch.random.get_rng_state())


def test_train_without_random_state_differs_between_calls():
    assert _dropout_fit(None) != _dropout_fit(None)


def test_train_with_validation_metrics_and_minibatches():
    X, y = _line_data()

    def mae(out, target):
        return (out - target).abs().mean()

    _, history = _fit(epochs=50, X_val=X[:10], y_val=y[:10], batch_size=16, metrics={"mae": mae})
    assert set(history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(v) == 50 for v in history.values())
    assert history["val_mae"][-1] < history["val_mae"][0]


def test_train_accepts_numpy_and_shows_progress(capsys):
    set_seed(0)
    X = np.linspace(0, 1, 10)[:, None]
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = train(model, nn.MSELoss(), opt, X, 2 * X, epochs=3, progress=True, device="cpu")
    assert len(history["loss"]) == 3
    assert "training" in capsys.readouterr().err


def test_train_rejects_bad_inputs():
    X, y = _line_data()
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.MSELoss()
    with pytest.raises(TypeError, match="nn.Module"):
        train("model", loss, opt, X, y, epochs=1)
    with pytest.raises(TypeError, match="Optimizer"):
        train(model, loss, "sgd", X, y, epochs=1)
    with pytest.raises(TypeError, match="callable"):
        train(model, "mse", opt, X, y, epochs=1)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="epochs == -?[01], must be >= 1"):
            train(model, loss, opt, X, y, epochs=bad)
    for bad in (1.5, True, "3"):
        with pytest.raises(TypeError, match="epochs must be an instance of int"):
            train(model, loss, opt, X, y, epochs=bad)
    with pytest.raises(ValueError, match="batch_size == 0"):
        train(model, loss, opt, X, y, epochs=1, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        train(model, loss, opt, X, y, epochs=1, batch_size=2.5)
    with pytest.raises(TypeError, match="metrics must be a dict"):
        train(model, loss, opt, X, y, epochs=1, metrics=[len])
    with pytest.raises(TypeError, match=r"metrics \['mae'\] are not functions"):
        train(model, loss, opt, X, y, epochs=1, metrics={"mae": 1.0})
    with pytest.raises(ValueError, match="random_state == -1"):
        train(model, loss, opt, X, y, epochs=1, random_state=-1)
    with pytest.raises(ValueError, match="Unknown device"):
        train(model, loss, opt, X, y, epochs=1, device="tpu")
    with pytest.raises(ValueError, match="must match"):
        train(model, loss, opt, X, y[:5], epochs=1)
    with pytest.raises(ValueError, match="both"):
        train(model, loss, opt, X, y, epochs=1, X_val=X)
    with pytest.raises(ValueError, match="same number"):
        train(model, loss, opt, X, y, epochs=1, X_val=X, y_val=y[:3])
    with pytest.raises(ValueError, match="empty"):
        train(model, loss, opt, X[:0], y[:0], epochs=1)


def test_as_tensor_validation():
    assert as_tensor([[1, 2]]).dtype == torch.float32
    with pytest.raises(ValueError, match="NaN"):
        as_tensor([1.0, float("nan")], name="X")
    with pytest.raises(TypeError, match="numbers"):
        as_tensor(["a", "b"])
    with pytest.raises(TypeError, match="numbers"):
        as_tensor("abc")
    with pytest.raises(TypeError, match="numbers"):
        as_tensor([[1, 2], [3]])  # ragged
    with pytest.raises(ValueError, match="empty"):
        as_tensor([])
    with pytest.raises(ValueError, match="single number"):
        as_tensor(torch.tensor(3.0))
    x = torch.arange(6.0, requires_grad=True).reshape(2, 3)
    got = as_tensor(x, dtype=torch.float64)
    assert got.shape == (2, 3) and got.dtype == torch.float64 and not got.requires_grad
    assert torch.equal(got, x.detach().double())
    assert as_tensor(np.array([[1], [2]]), dtype=torch.long).tolist() == [[1], [2]]


@pytest.mark.parametrize("as_type", [torch.tensor, np.array, list])
def test_train_keeps_integer_class_targets_for_cross_entropy(as_type):
    set_seed(0)
    centres = torch.tensor([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    labels = torch.arange(3).repeat_interleave(30)
    X = centres[labels] + 0.5 * torch.randn(90, 2)
    y = as_type(labels.tolist()) if as_type is not torch.tensor else labels
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    history = train(model, nn.CrossEntropyLoss(), opt, X, y, epochs=50, progress=False)
    assert history["loss"][-1] < 0.2 * history["loss"][0]
    assert (model(X).argmax(dim=1) == labels).float().mean() > 0.95


def test_train_keeps_float_targets_float():
    seen = []

    def loss_fn(out, target):
        seen.append(target.dtype)
        return nn.functional.mse_loss(out, target)

    model = nn.Linear(1, 1)
    X, y = _line_data(8)
    train(
        model,
        loss_fn,
        torch.optim.SGD(model.parameters(), lr=0.1),
        X,
        y.double().numpy(),
        epochs=1,
        progress=False,
    )
    assert set(seen) == {torch.float32}


def test_train_progress_leaves_tqdm_disable_to_tqdm(monkeypatch):
    # an explicit disable=False would override TQDM_DISABLE=1, which tqdm reads at import
    from tabgen_lib import training

    calls, real_tqdm = [], training.tqdm

    def fake_tqdm(iterable, **kwargs):
        calls.append(kwargs)
        return real_tqdm(iterable, **{**kwargs, "disable": True})

    monkeypatch.setattr(training, "tqdm", fake_tqdm)
    X, y = _line_data(8)
    model = nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    train(model, nn.MSELoss(), opt, X, y, epochs=1, progress=True)
    train(model, nn.MSELoss(), opt, X, y, epochs=1, progress=False)
    assert "disable" not in calls[0] and calls[1]["disable"] is True
