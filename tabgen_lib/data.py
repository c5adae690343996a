"""Course data sets: download once with pooch, verify, cache, parse.

Every file is fetched from its original public URL by `pooch <https://www.fatiando.org/pooch/>`_
and checked against the SHA-256 digest in :data:`REGISTRY` before it is parsed; a file that
does not match is never read.

Where the files come from, in order:

1. ``TABGEN_DATA_DIR`` -- a folder that already holds the files (an offline mirror,
   e.g. on a machine with no internet).  Files may sit in it directly or in a
   sub-folder named after the data set (``adult/adult.data``).  A mirror is only read:
   a file there with the wrong digest raises :class:`DataIntegrityError`, it is never
   replaced by a download.
2. pooch's cache -- ``TABGEN_CACHE_DIR`` if set, else the system's cache folder for
   ``tabgen`` (:func:`pooch.os_cache`: ``~/.cache/tabgen`` on Linux).  pooch checks the
   digest of a cached file on every access and downloads a fresh copy over a damaged one.
3. The original URL; pooch downloads into a temporary file next to the target, checks its
   digest and only then moves it into the cache, so a failed download leaves nothing
   behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pooch

from .validation import check_float

__all__ = [
    "ADULT_COLUMNS",
    "ADULT_CONTINUOUS",
    "ADULT_DISCRETE",
    "ADULT_TARGET",
    "INSURANCE_CONTINUOUS",
    "INSURANCE_DISCRETE",
    "REGISTRY",
    "URLS",
    "DataDownloadError",
    "DataIntegrityError",
    "cache_dir",
    "fetch_file",
    "load_adult",
    "load_insurance",
    # old names, kept for existing code
    "ADULT_CATEGORICAL",
    "ADULT_NUMERIC",
    "INSURANCE_CATEGORICAL",
    "INSURANCE_NUMERIC",
]


class DataDownloadError(RuntimeError):
    """A data file is neither available locally nor downloadable."""


class DataIntegrityError(RuntimeError):
    """A data file does not have the expected SHA-256 digest."""


#: pooch's registry: each course file, as ``data set/file name``, and its digest.
REGISTRY = {
    "adult/adult.data": "sha256:5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
    "adult/adult.test": "sha256:a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
    "adult/adult.names": "sha256:c248284c0b5de30c9e1958d6cdd168a34a654758b620e68f46aefa83fc0a576a",
    "insurance/insurance.csv": (
        "sha256:505c1cbc2e63d0363bac59501563df2530aadf4cdb9cfee226f4ef32f5468281"
    ),
}
_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/"
#: Where each file of :data:`REGISTRY` is downloaded from (its original host).
URLS = {
    "adult/adult.data": _UCI + "adult.data",
    "adult/adult.test": _UCI + "adult.test",
    "adult/adult.names": _UCI + "adult.names",
    "insurance/insurance.csv": (
        "https://raw.githubusercontent.com/stedy/Machine-Learning-with-R-datasets/"
        "master/insurance.csv"
    ),
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
#: Adult's discrete columns: they hold categories (the target ``income`` included).
ADULT_DISCRETE = [
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
#: Adult's continuous columns: they hold integers.
ADULT_CONTINUOUS = [c for c in ADULT_COLUMNS if c not in ADULT_DISCRETE]
#: The prediction target of the Adult data: ``"<=50K"`` or ``">50K"``.
ADULT_TARGET = "income"
#: Label used for Adult's missing values (``?`` in the raw files).
ADULT_MISSING = "Unknown"

#: Insurance's discrete columns: their values are categories.
INSURANCE_DISCRETE = ["sex", "smoker", "region"]
#: Insurance's continuous columns: numbers (``age`` and ``children`` are integers).
INSURANCE_CONTINUOUS = ["age", "bmi", "children", "charges"]

ADULT_CATEGORICAL = ADULT_DISCRETE  # old name, kept for existing code
ADULT_NUMERIC = ADULT_CONTINUOUS  # old name, kept for existing code
INSURANCE_CATEGORICAL = INSURANCE_DISCRETE  # old name, kept for existing code
INSURANCE_NUMERIC = INSURANCE_CONTINUOUS  # old name, kept for existing code


def _pooch() -> pooch.Pooch:
    """The course's pooch: the registry, the URLs and the cache folder (read from the
    environment now, so that a changed ``TABGEN_CACHE_DIR`` takes effect)."""
    return pooch.create(
        path=pooch.os_cache("tabgen"),
        base_url="",
        registry=REGISTRY,
        urls=URLS,
        env="TABGEN_CACHE_DIR",
    )


def cache_dir() -> Path:
    """Return the folder where downloaded data files are kept.

    ``TABGEN_CACHE_DIR`` wins; otherwise pooch's cache folder for ``tabgen``
    (:func:`pooch.os_cache`: ``$XDG_CACHE_HOME/tabgen`` or ``~/.cache/tabgen`` on Linux).

    Examples
    --------
    >>> import os
    >>> os.environ["TABGEN_CACHE_DIR"] = "/tmp/tabgen-cache"
    >>> str(cache_dir())
    '/tmp/tabgen-cache'
    >>> del os.environ["TABGEN_CACHE_DIR"]
    """
    return Path(_pooch().abspath)


def _registry_key(name) -> str:
    """``"adult.data"`` -> ``"adult/adult.data"``, the file's key in :data:`REGISTRY`."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a file name (str), got {type(name).__name__}.")
    keys = {key.split("/")[1]: key for key in REGISTRY}
    if name not in keys:
        raise ValueError(f"Unknown data file {name!r}. Known files: {sorted(keys)}.")
    return keys[name]


def _from_mirror(key: str) -> Path | None:
    """The file's verified copy in the ``TABGEN_DATA_DIR`` mirror, or ``None`` if it has none.

    The mirror is only read: a copy with the wrong digest is reported, never replaced.
    """
    mirror = os.environ.get("TABGEN_DATA_DIR")
    if not mirror:
        return None
    root = Path(mirror).expanduser()
    for path in (root / key, root / Path(key).name):
        if path.is_file():
            expected = REGISTRY[key].removeprefix("sha256:")
            actual = pooch.file_hash(str(path), alg="sha256")
            if actual != expected:
                raise DataIntegrityError(
                    f"The file {path} is corrupted or not the expected '{path.name}': its "
                    f"SHA-256 is {actual}, expected {expected}. It was not read. Delete it and "
                    f"copy it again from {URLS[key]} (TABGEN_DATA_DIR points to its folder)."
                )
            return path
    return None


def fetch_file(name: str, *, timeout: float = 60.0) -> Path:
    """Return the local path of a verified course data file, downloading it if needed.

    The mirror (``TABGEN_DATA_DIR``) is read first; otherwise pooch fetches the file into
    its cache, downloading it when the cache has no copy or a copy with the wrong digest
    (that copy is then replaced by a verified download).

    Parameters
    ----------
    name : str
        One of ``"adult.data"``, ``"adult.test"``, ``"adult.names"``, ``"insurance.csv"``.
    timeout : float
        Seconds to wait for the server before giving up.

    Raises
    ------
    TypeError, ValueError
        ``name`` is not a course file, or ``timeout`` is not a positive number.
    DataIntegrityError
        The copy in ``TABGEN_DATA_DIR`` has the wrong SHA-256 digest (it is never
        parsed), or a download does not have the expected digest (it is discarded).
    DataDownloadError
        No usable local copy, and the download failed (e.g. no internet); the message
        says where to put the file by hand.

    Examples
    --------
    >>> path = fetch_file("insurance.csv")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'insurance.csv'
    """
    key = _registry_key(name)
    timeout = check_float(timeout, "timeout", min_value=0, include_min=False)
    mirrored = _from_mirror(key)
    if mirrored is not None:
        return mirrored

    course = _pooch()
    target = Path(course.abspath) / key
    downloaded = []  # set once the download is complete: a later ValueError is the digest's

    def download(url, output_file, pup):
        try:
            pooch.HTTPDownloader(timeout=timeout)(url, output_file, pup)
        except OSError as err:  # requests' errors (no network, HTTP 404, ...) are OSErrors
            damaged = (
                f" The copy at {target} does not have the expected SHA-256 digest, so it "
                "was not used."
                if target.is_file()
                else ""
            )
            raise DataDownloadError(
                f"Could not download '{name}' from {url} ({err}).{damaged} If you are "
                f"offline, download the file by hand and save it as {target}, or set the "
                "environment variable TABGEN_DATA_DIR to a folder that holds it."
            ) from None
        downloaded.append(url)

    try:
        return Path(course.fetch(key, downloader=download))
    except ValueError:
        if not downloaded:
            raise
        raise DataIntegrityError(
            f"The download of '{name}' from {URLS[key]} does not have the expected SHA-256 "
            "digest; it was discarded. The server may have changed the file: try again later, "
            "or report it to the course authors."
        ) from None


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
    for col in ADULT_DISCRETE:
        frame[col] = frame[col].fillna(ADULT_MISSING).astype(str)
    for col in ADULT_CONTINUOUS:
        frame[col] = frame[col].astype("int64")
    frame = frame.reset_index(drop=True)
    frame.attrs["discrete"] = list(ADULT_DISCRETE)
    frame.attrs["categorical"] = list(ADULT_DISCRETE)  # old name, kept for existing code
    frame.attrs["target"] = ADULT_TARGET
    return frame


def load_adult() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the UCI Adult (census income) data as its official train and test split.

    The raw files use ``", "`` as separator, ``?`` for missing values and, in the
    test file, a banner line and labels that end with a period.  This loader returns
    clean frames: the 15 column names of ``adult.names``, no leading spaces, labels
    ``"<=50K"`` / ``">50K"`` in both sets, continuous (integer) columns as ``int64`` and
    discrete columns as strings.

    Missing values (only in ``workclass``, ``occupation`` and ``native-country``) are
    kept as their own category, ``"Unknown"``, so no row is dropped and no NaN
    reaches a model.

    Returns
    -------
    train, test : pandas.DataFrame
        32,561 and 16,281 rows.  ``frame.attrs["discrete"]`` lists the discrete columns
        (also :data:`ADULT_DISCRETE`), ``frame.attrs["target"]`` is ``"income"``.

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
    ``frame.attrs["discrete"]`` lists the discrete columns (also :data:`INSURANCE_DISCRETE`).

    Examples
    --------
    >>> data = load_insurance()  # doctest: +SKIP
    >>> data.shape  # doctest: +SKIP
    (1338, 7)
    """
    frame = pd.read_csv(fetch_file("insurance.csv"))
    frame.attrs["discrete"] = list(INSURANCE_DISCRETE)
    frame.attrs["categorical"] = list(INSURANCE_DISCRETE)  # old name, kept for existing code
    return frame
