import hashlib
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import requests

from tabgen_lib import data
from tabgen_lib.data import (
    ADULT_CATEGORICAL,
    ADULT_COLUMNS,
    ADULT_CONTINUOUS,
    ADULT_DISCRETE,
    INSURANCE_CATEGORICAL,
    INSURANCE_CONTINUOUS,
    INSURANCE_DISCRETE,
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
        for col in ADULT_DISCRETE:
            values = frame[col]
            assert not values.isna().any()
            assert not values.str.startswith(" ").any(), col
            assert "?" not in set(values), col
        assert frame.select_dtypes("number").columns.tolist() == ADULT_CONTINUOUS
        assert frame.attrs["discrete"] == ADULT_DISCRETE == frame.attrs["categorical"]
        assert frame.attrs["target"] == "income"


def test_adult_missing_values_become_unknown(adult):
    train, _ = adult
    unknown = (train == "Unknown").sum()
    assert set(unknown[unknown > 0].index) == {"workclass", "occupation", "native-country"}
    assert unknown["workclass"] == 1836  # the rows with '?' in the raw file


def test_insurance():
    frame = load_insurance()
    assert frame.shape == (1338, 7)
    assert list(frame.columns) == ["age", "sex", "bmi", "children", "smoker", "region", "charges"]
    assert frame.attrs["discrete"] == ["sex", "smoker", "region"] == frame.attrs["categorical"]
    assert frame.select_dtypes("number").columns.tolist() == ["age", "bmi", "children", "charges"]
    assert sorted(INSURANCE_CONTINUOUS) == sorted(frame.select_dtypes("number").columns)
    assert not frame.isna().any().any()


def test_old_names_are_the_new_lists():
    assert ADULT_CATEGORICAL is ADULT_DISCRETE and data.ADULT_NUMERIC is ADULT_CONTINUOUS
    assert INSURANCE_CATEGORICAL is INSURANCE_DISCRETE
    assert data.INSURANCE_NUMERIC is INSURANCE_CONTINUOUS


#: The offline mirror of this machine (set by the Makefile), read before any test changes it.
MIRROR = os.environ.get("TABGEN_DATA_DIR")


@pytest.mark.skipif(not MIRROR, reason="no offline mirror (TABGEN_DATA_DIR) on this machine")
def test_registry_digests_are_those_of_the_mirror_files():
    import pooch

    assert sorted(data.REGISTRY) == sorted(data.URLS)
    for key, digest in data.REGISTRY.items():
        assert digest == "sha256:" + pooch.file_hash(str(Path(MIRROR) / key)), key
        assert data.URLS[key].endswith("/" + key.split("/")[1])


# ---------------------------------------------------------------- where files come from


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No mirror, an empty cache in tmp_path, and no real download: every request fails."""
    monkeypatch.delenv("TABGEN_DATA_DIR", raising=False)
    monkeypatch.setenv("TABGEN_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def no_network(url, **kwargs):
        calls.append(url)
        raise requests.ConnectionError("Name or service not known")

    monkeypatch.setattr(requests, "get", no_network)
    return SimpleNamespace(root=tmp_path, calls=calls)


class _Response:
    """What ``requests.get(url, stream=True)`` returns, from bytes: pooch's downloader
    reads ``iter_content``; ``error`` is raised after ``fail_after`` bytes."""

    def __init__(self, payload: bytes, error: BaseException | None = None, fail_after=5000):
        self.payload, self.error, self.fail_after = payload, error, fail_after
        self.headers = {"content-length": str(len(payload))}

    def raise_for_status(self):
        pass

    def iter_content(self, chunk_size):
        for start in range(0, len(self.payload), 100):
            if self.error is not None and start >= self.fail_after:
                raise self.error
            yield self.payload[start : start + 100]
        if self.error is not None:
            raise self.error


def _fake_server(monkeypatch, response: _Response):
    calls = []

    def get(url, timeout, **kwargs):
        calls.append((url, timeout))
        return response

    monkeypatch.setattr(requests, "get", get)
    return calls


PAYLOAD = b"age,sex,bmi,children,smoker,region,charges\n19,female,27.9,0,yes,southwest,16884.9\n"


@pytest.fixture
def served_payload(isolated, monkeypatch):
    """A registry whose insurance digest is PAYLOAD's, served by a fake server."""
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    monkeypatch.setitem(data.REGISTRY, "insurance/insurance.csv", f"sha256:{digest}")
    return _fake_server(monkeypatch, _Response(PAYLOAD))


def test_cache_dir_defaults_to_pooch_os_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("TABGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / "tabgen"
    monkeypatch.setenv("TABGEN_CACHE_DIR", str(tmp_path / "mine"))
    assert data.cache_dir() == tmp_path / "mine"


@pytest.mark.parametrize("layout", ["insurance/insurance.csv", "insurance.csv"])
def test_mirror_is_used_without_downloading(isolated, monkeypatch, layout, served_payload):
    mirror = isolated.root / "mirror"
    (mirror / layout).parent.mkdir(parents=True, exist_ok=True)
    (mirror / layout).write_bytes(PAYLOAD)
    monkeypatch.setenv("TABGEN_DATA_DIR", str(mirror))
    assert fetch_file("insurance.csv") == mirror / layout
    assert served_payload == []
    assert not (isolated.root / "cache").exists()


def test_corrupted_mirror_file_is_never_parsed(isolated, monkeypatch):
    mirror = isolated.root / "mirror" / "insurance"
    mirror.mkdir(parents=True)
    (mirror / "insurance.csv").write_text("age,sex\n1,2\n")
    monkeypatch.setenv("TABGEN_DATA_DIR", str(isolated.root / "mirror"))
    parsed = []
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: parsed.append(a))
    with pytest.raises(DataIntegrityError, match=r"insurance\.csv.*Delete it"):
        load_insurance()
    assert parsed == []


def test_corrupted_mirror_file_is_not_downloaded_over(isolated, served_payload, monkeypatch):
    root = isolated.root / "mirror"
    root.mkdir()
    (root / "insurance.csv").write_bytes(b"damaged")
    monkeypatch.setenv("TABGEN_DATA_DIR", str(root))
    with pytest.raises(DataIntegrityError, match="SHA-256"):
        fetch_file("insurance.csv")
    assert (root / "insurance.csv").read_bytes() == b"damaged"
    assert served_payload == []  # the server was not asked


def test_download_is_verified_and_cached(served_payload, isolated):
    path = fetch_file("insurance.csv", timeout=5)
    assert path == isolated.root / "cache" / "insurance" / "insurance.csv"
    assert path.read_bytes() == PAYLOAD
    assert served_payload == [(data.URLS["insurance/insurance.csv"], 5.0)]
    assert load_insurance().shape == (1, 7)  # second access: from the cache
    assert len(served_payload) == 1


def test_damaged_cache_file_is_downloaded_again(served_payload, isolated):
    cached = isolated.root / "cache" / "insurance" / "insurance.csv"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the real file")
    assert fetch_file("insurance.csv") == cached
    assert cached.read_bytes() == PAYLOAD and len(served_payload) == 1


def test_damaged_cache_file_offline_says_so(isolated):
    cached = isolated.root / "cache" / "adult" / "adult.names"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the real file")
    with pytest.raises(DataDownloadError, match="does not have the expected SHA-256"):
        fetch_file("adult.names")
    assert cached.read_bytes() == b"not the real file"


def test_offline_without_a_copy_gives_a_clear_error(isolated):
    with pytest.raises(DataDownloadError, match="TABGEN_DATA_DIR") as info:
        load_insurance()
    message = str(info.value)
    assert "Could not download 'insurance.csv'" in message
    assert data.URLS["insurance/insurance.csv"] in message
    assert str(isolated.root / "cache" / "insurance" / "insurance.csv") in message
    assert "expected SHA-256" not in message  # there was no damaged copy
    assert info.value.__cause__ is None  # no requests traceback chained to it
    assert isolated.calls == [data.URLS["insurance/insurance.csv"]]


def test_http_error_is_a_download_error(isolated, monkeypatch):
    class NotFound(_Response):
        def raise_for_status(self):
            raise requests.HTTPError("404 Client Error: Not Found")

    _fake_server(monkeypatch, NotFound(b""))
    with pytest.raises(DataDownloadError, match="404"):
        fetch_file("adult.names")
    assert list((isolated.root / "cache" / "adult").iterdir()) == []


def test_bad_download_is_discarded(isolated, monkeypatch):
    _fake_server(monkeypatch, _Response(b"<html>error page</html>"))
    with pytest.raises(DataIntegrityError, match="discarded") as info:
        fetch_file("insurance.csv")
    assert info.value.__cause__ is None
    folder = isolated.root / "cache" / "insurance"
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "timeout", "error"),
    [
        ("titanic.csv", 60.0, ValueError),
        (3, 60.0, TypeError),
        ("adult.names", 0, ValueError),
        ("adult.names", "60", TypeError),
    ],
)
def test_fetch_file_rejects_bad_arguments(isolated, name, timeout, error):
    with pytest.raises(error, match="Unknown data file|name must|timeout"):
        fetch_file(name, timeout=timeout)
    assert isolated.calls == []


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ChunkedEncodingError("connection reset by peer"),
        ConnectionResetError("reset by peer"),
        KeyboardInterrupt(),
        ValueError("boom"),
    ],
)
def test_failed_download_leaves_no_partial_file(isolated, monkeypatch, error):
    _fake_server(monkeypatch, _Response(b"partial data " * 1000, error=error))
    expected = DataDownloadError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected):
        fetch_file("insurance.csv")
    folder = isolated.root / "cache" / "insurance"
    assert list(folder.iterdir()) == []


def test_mirror_without_the_file_falls_back_to_the_cache(isolated, served_payload, monkeypatch):
    (isolated.root / "mirror" / "insurance").mkdir(parents=True)
    monkeypatch.setenv("TABGEN_DATA_DIR", str(isolated.root / "mirror"))
    path = fetch_file("insurance.csv")
    assert path == isolated.root / "cache" / "insurance" / "insurance.csv"
    assert len(served_payload) == 1
    assert list((isolated.root / "mirror" / "insurance").iterdir()) == []  # mirror untouched
