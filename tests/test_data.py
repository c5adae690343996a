import hashlib
import io
import urllib.error

import pandas as pd
import pytest

from tabgen_lib import data
from tabgen_lib.data import (
    ADULT_CATEGORICAL,
    ADULT_COLUMNS,
    DataDownloadError,
    DataIntegrityError,
    fetch_file,
    load_adult,
    load_insurance,
)


@pytest.fixture(scope="module")
def adult():
    return load_adult()


def test_adult_shapes_and_columns(adult):
    train, test = adult
    assert train.shape == (32561, 15)
    assert test.shape == (16281, 15)
    assert list(train.columns) == ADULT_COLUMNS == list(test.columns)


def test_adult_values_are_clean(adult):
    train, test = adult
    assert set(train["income"]) == {"<=50K", ">50K"} == set(test["income"])
    for frame in adult:
        for col in ADULT_CATEGORICAL:
            values = frame[col]
            assert not values.isna().any()
            assert not values.str.startswith(" ").any(), col
            assert "?" not in set(values), col
        assert frame.select_dtypes("number").columns.tolist() == data.ADULT_NUMERIC
        assert frame.attrs["categorical"] == ADULT_CATEGORICAL


def test_adult_missing_values_become_unknown(adult):
    train, _ = adult
    unknown = (train == "Unknown").sum()
    assert set(unknown[unknown > 0].index) == {"workclass", "occupation", "native-country"}
    assert unknown["workclass"] == 1836  # the rows with '?' in the raw file


def test_insurance():
    frame = load_insurance()
    assert frame.shape == (1338, 7)
    assert list(frame.columns) == ["age", "sex", "bmi", "children", "smoker", "region", "charges"]
    assert frame.attrs["categorical"] == ["sex", "smoker", "region"]
    assert not frame.isna().any().any()


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No mirror, an empty cache in tmp_path."""
    monkeypatch.delenv("TABGEN_DATA_DIR", raising=False)
    monkeypatch.setenv("TABGEN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_cache_dir_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("TABGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / "tabgen"


def test_corrupted_file_is_never_parsed(isolated, monkeypatch):
    mirror = isolated / "mirror" / "insurance"
    mirror.mkdir(parents=True)
    (mirror / "insurance.csv").write_text("age,sex\n1,2\n")
    monkeypatch.setenv("TABGEN_DATA_DIR", str(isolated / "mirror"))
    parsed = []
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: parsed.append(a))
    with pytest.raises(DataIntegrityError, match=r"insurance\.csv.*Delete it"):
        load_insurance()
    assert parsed == []


def test_corrupted_cache_file(isolated):
    cached = isolated / "cache" / "adult" / "adult.names"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the real file")
    with pytest.raises(DataIntegrityError, match="adult.names"):
        fetch_file("adult.names")


def test_offline_without_a_copy_gives_a_clear_error(isolated, monkeypatch):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    with pytest.raises(DataDownloadError, match="TABGEN_DATA_DIR") as info:
        load_insurance()
    assert "Could not download 'insurance.csv'" in str(info.value)
    assert info.value.__cause__ is None  # no urllib traceback chained to it


def _fake_server(monkeypatch, payload: bytes):
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        return io.BytesIO(payload)

    monkeypatch.setattr(data.urllib.request, "urlopen", urlopen)
    return calls


def test_download_is_verified_and_cached(isolated, monkeypatch):
    payload = (
        b"age,sex,bmi,children,smoker,region,charges\n19,female,27.9,0,yes,southwest,16884.9\n"
    )
    original = data.REMOTE_FILES["insurance.csv"]
    fake = data.RemoteFile(
        original.name, original.dataset, original.url, hashlib.sha256(payload).hexdigest(), 0
    )
    monkeypatch.setitem(data.REMOTE_FILES, "insurance.csv", fake)
    calls = _fake_server(monkeypatch, payload)
    path = fetch_file("insurance.csv")
    assert path == isolated / "cache" / "insurance" / "insurance.csv"
    assert calls == [original.url]
    assert load_insurance().shape == (1, 7)  # second access: from the cache
    assert len(calls) == 1


def test_bad_download_is_discarded(isolated, monkeypatch):
    _fake_server(monkeypatch, b"<html>error page</html>")
    with pytest.raises(DataIntegrityError, match="discarded"):
        fetch_file("insurance.csv")
    folder = isolated / "cache" / "insurance"
    assert list(folder.iterdir()) == []


def test_fetch_file_rejects_unknown_names():
    with pytest.raises(ValueError, match="Unknown data file"):
        fetch_file("titanic.csv")
    with pytest.raises(TypeError):
        fetch_file(3)


class _BrokenResponse(io.BytesIO):
    """A response that delivers some bytes, then fails like a dropped connection."""

    def __init__(self, error):
        super().__init__(b"partial data " * 1000)
        self.error = error

    def read(self, size=-1):
        chunk = super().read(100)
        if not chunk or self.tell() > 5000:
            raise self.error
        return chunk


@pytest.mark.parametrize(
    "error", [ConnectionResetError("reset by peer"), KeyboardInterrupt(), ValueError("boom")]
)
def test_failed_download_leaves_no_partial_file(isolated, monkeypatch, error):
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout: _BrokenResponse(error))
    expected = DataDownloadError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected):
        fetch_file("insurance.csv")
    folder = isolated / "cache" / "insurance"
    assert list(folder.iterdir()) == []
