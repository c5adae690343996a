"""What every table metric does first: check the tables and compare their values alike.

The table metrics (:mod:`tabgen_lib.metrics_dcr`, :mod:`tabgen_lib.metrics_detection`)
compare two or three :class:`pandas.DataFrame` objects.  Before any number is computed:

* each table passes :func:`tabgen_lib.validation.check_table` (a non-empty DataFrame, the
  ``discrete_columns`` among its columns, every other -- continuous -- column numeric and
  complete), and all tables have the **same columns**, put in the first table's order;
* a discrete value is compared **as text**, so ``1`` and ``"1"`` are one category, and every
  missing value (NaN, None, ``pd.NA``) is **one category of its own**, :data:`MISSING`.
"""

from __future__ import annotations

import pandas as pd

from .validation import check_tables  # re-exported: the metrics check their tables with it

__all__ = ["MISSING", "as_category_text", "check_tables"]

#: The text of a missing discrete value: one category, whatever the missing value was.
MISSING = "<NA>"


def as_category_text(column: pd.Series) -> pd.Series:
    """A column's values as text, every missing value as the one category :data:`MISSING`.

    Examples
    --------
    >>> import numpy as np
    >>> as_category_text(pd.Series([1, None, np.nan, "a"])).tolist()
    ['1', '<NA>', '<NA>', 'a']
    """
    return column.astype(object).where(column.notna(), MISSING).astype(str)
