"""Course data sets: download once, verify, cache, parse.

Every file is fetched from its original public URL and checked against a SHA-256
digest before it is parsed; a file that does not match is never read.

Where the files come from, in order:

1. ``TABGEN_DATA_DIR`` -- a folder that already holds the files (an offline mirror,
   e.g. on a machine with no internet).  Files may sit in it directly or in a
   sub-folder named after the data set (``adult/adult.data``).
2. The cache folder -- ``TABGEN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/tabgen``
   (``~/.cache/tabgen`` by default).
3. The original URL; the download is verified and then stored in the cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "ADULT_COLUMNS",
    "ADULT_CATEGORICAL",
    "ADULT_NUMERIC",
    "ADULT_TARGET",
    "INSURANCE_CATEGORICAL",
    "INSURANCE_NUMERIC",
    "DataDownloadError",
    "DataIntegrityError",
    "cache_dir",
    "fetch_file",
    "load_adult",
    "load_insurance",
]


class DataDownloadError(RuntimeError):
    """A data file is neither available locally nor downloadable."""


class DataIntegrityError(RuntimeError):
    """A data file on disk does not have the expected SHA-256 digest."""


@dataclass(frozen=True)
class RemoteFile:
    """A public file: where it lives, what it must hash to, and its folder in the cache."""

    name: str
    dataset: str
    url: str
    sha256: str
    size: int


_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/"
REMOTE_FILES: dict[str, RemoteFile] = {
    f.name: f
    for f in [
        RemoteFile(
            "adult.data",
            "adult",
            _UCI + "adult.data",
            "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
            3974305,
        ),
        RemoteFile(
            "adult.test",
            "adult",
            _UCI + "adult.test",
            "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
            2003153,
        ),
        RemoteFile(
            "adult.names",
            "adult",
            _UCI + "adult.names",
            "c248284c0b5de30c9e1958d6cdd168a34a654758b620e68f46aefa83fc0a576a",
            5229,
        ),
        RemoteFile(
            "insurance.csv",
            "insurance",
            "https://raw.githubusercontent.com/stedy/Machine-Learning-with-R-datasets/"
            "master/insurance.csv",
            "505c1cbc2e63d0363bac59501563df2530aadf4cdb9cfee226f4ef32f5468281",
            54288,
        ),
    ]
}

#: The 15 columns of the Adult data, named as in ``adult.names``.
ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
]
#: Adult columns that hold categories (the target ``income`` included).
ADULT_CATEGORICAL = [
    "workclass",
    "education",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native-country",
    "income",
]
#: Adult columns that hold integers.
ADULT_NUMERIC = [c for c in ADULT_COLUMNS if c not in ADULT_CATEGORICAL]
#: The prediction target of the Adult data: ``"<=50K"`` or ``">50K"``.
ADULT_TARGET = "income"
#: Label used for Adult's missing values (``?`` in the raw files).
ADULT_MISSING = "Unknown"

#: Insurance columns whose values are categories.
INSURANCE_CATEGORICAL = ["sex", "smoker", "region"]
#: Insurance columns whose values are numbers (``age`` and ``children`` are integers).
INSURANCE_NUMERIC = ["age", "bmi", "children", "charges"]


def cache_dir() -> Path:
    """Return the folder where downloaded data files are kept.

    ``TABGEN_CACHE_DIR`` wins; otherwise ``$XDG_CACHE_HOME/tabgen`` or ``~/.cache/tabgen``.

    Examples
    --------
    >>> import os
    >>> os.environ["TABGEN_CACHE_DIR"] = "/tmp/tabgen-cache"
    >>> str(cache_dir())
    '/tmp/tabgen-cache'
    >>> del os.environ["TABGEN_CACHE_DIR"]
    """
    if os.environ.get("TABGEN_CACHE_DIR"):
        return Path(os.environ["TABGEN_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tabgen"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path, remote: RemoteFile) -> Path:
    actual = _sha256(path)
    if actual != remote.sha256:
        raise DataIntegrityError(
            f"The file {path} is corrupted or not the expected '{remote.name}': its SHA-256 is "
            f"{actual}, expected {remote.sha256}. It was not read. Delete it and run again "
            f"to download a fresh copy from {remote.url}."
        )
    return path


def _candidates(remote: RemoteFile) -> list[Path]:
    places = []
    mirror = os.environ.get("TABGEN_DATA_DIR")
    if mirror:
        root = Path(mirror).expanduser()
        places += [root / remote.dataset / remote.name, root / remote.name]
    places.append(cache_dir() / remote.dataset / remote.name)
    return places


def fetch_file(name: str, *, timeout: float = 60.0) -> Path:
    """Return the local path of a verified course data file, downloading it if needed.

    Parameters
    ----------
    name : str
        One of ``"adult.data"``, ``"adult.test"``, ``"adult.names"``, ``"insurance.csv"``.
    timeout : float
        Seconds to wait for the server before giving up.

    Raises
    ------
    ValueError
        ``name`` is not a course file.
    DataIntegrityError
        A local copy exists but its SHA-256 digest is wrong (it is never parsed).
    DataDownloadError
        No local copy, and the download failed (e.g. no internet).

    Examples
    --------
    >>> path = fetch_file("insurance.csv")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'insurance.csv'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a file name (str), got {type(name).__name__}.")
    if name not in REMOTE_FILES:
        raise ValueError(f"Unknown data file {name!r}. Known files: {sorted(REMOTE_FILES)}.")
    remote = REMOTE_FILES[name]
    for path in _candidates(remote):
        if path.is_file():
            return _verified(path, remote)

    target = cache_dir() / remote.dataset / remote.name
    target.parent.mkdir(parents=True, exist_ok=True)
    # download into a temporary file next to the target, renamed over it once verified;
    # any failure (network error, wrong digest, Ctrl-C) removes the temporary file
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{remote.name}.", suffix=".part")
    tmp_path = Path(tmp)
    try:
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(remote.url, timeout=timeout) as response,  # noqa: S310
            ):
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise DataDownloadError(
                f"Could not download '{remote.name}' from {remote.url} ({reason}). "
                f"If you are offline, download the file by hand and save it as {target}, "
                "or set the environment variable TABGEN_DATA_DIR to a folder that holds it."
            ) from None
        try:
            _verified(tmp_path, remote)
        except DataIntegrityError:
            raise DataIntegrityError(
                f"The download of '{remote.name}' from {remote.url} does not have the expected "
                "SHA-256 digest; it was discarded. The server may have changed the file: "
                "try again later, or report it to the course authors."
            ) from None
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return target


def _read_adult(path: Path, *, skiprows: int) -> pd.DataFrame:
    frame = pd.read_csv(
        path,
        header=None,
        names=ADULT_COLUMNS,
        sep=",",
        skipinitialspace=True,
        skiprows=skiprows,
        na_values=["?"],
        keep_default_na=False,
        skip_blank_lines=True,
    )
    frame = frame.dropna(how="all")
    frame["income"] = frame["income"].str.rstrip(".")
    for col in ADULT_CATEGORICAL:
        frame[col] = frame[col].fillna(ADULT_MISSING).astype(str)
    for col in ADULT_NUMERIC:
        frame[col] = frame[col].astype("int64")
    frame.attrs["categorical"] = list(ADULT_CATEGORICAL)
    frame.attrs["target"] = ADULT_TARGET
    return frame.reset_index(drop=True)


def load_adult() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the UCI Adult (census income) data as its official train and test split.

    The raw files use ``", "`` as separator, ``?`` for missing values and, in the
    test file, a banner line and labels that end with a period.  This loader returns
    clean frames: the 15 column names of ``adult.names``, no leading spaces, labels
    ``"<=50K"`` / ``">50K"`` in both sets, integer columns as ``int64`` and
    categorical columns as strings.

    Missing values (only in ``workclass``, ``occupation`` and ``native-country``) are
    kept as their own category, ``"Unknown"``, so no row is dropped and no NaN
    reaches a model.

    Returns
    -------
    train, test : pandas.DataFrame
        32,561 and 16,281 rows.  ``frame.attrs["categorical"]`` lists the categorical
        columns (also :data:`ADULT_CATEGORICAL`), ``frame.attrs["target"]`` is ``"income"``.

    Examples
    --------
    >>> train, test = load_adult()  # doctest: +SKIP
    >>> train.shape, test.shape  # doctest: +SKIP
    ((32561, 15), (16281, 15))
    """
    train = _read_adult(fetch_file("adult.data"), skiprows=0)
    test = _read_adult(fetch_file("adult.test"), skiprows=1)
    return train, test


def load_insurance() -> pd.DataFrame:
    """Load the medical-insurance data (1,338 people, 7 columns).

    Columns: ``age``, ``sex``, ``bmi``, ``children``, ``smoker``, ``region``, ``charges``.
    ``frame.attrs["categorical"]`` lists the categorical columns
    (also :data:`INSURANCE_CATEGORICAL`).

    Examples
    --------
    >>> data = load_insurance()  # doctest: +SKIP
    >>> data.shape  # doctest: +SKIP
    (1338, 7)
    """
    frame = pd.read_csv(fetch_file("insurance.csv"))
    frame.attrs["categorical"] = list(INSURANCE_CATEGORICAL)
    return frame
