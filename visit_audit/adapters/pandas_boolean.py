"""pandas' nullable booleans (``BooleanArray``) read without copies.

The io layer reads Y/N answers as pandas' nullable ``boolean`` columns. Their
public conversions (``to_numpy(na_value=...)``, ``isna()``) each copy the
column through Python objects or a new mask; inside, a BooleanArray is two
numpy arrays, the values and a mask of the unknown ones (``_data``/``_mask``,
stable since pandas 1.0 but private). Read directly, a million answers cost
two vectorised operations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _probe() -> bool:
    """True when this pandas keeps a BooleanArray as ``_data``/``_mask`` arrays
    that mean what they meant when this was written."""
    try:
        probe = pd.array([True, False, None], dtype="boolean")
        data, mask = probe._data, probe._mask
    except AttributeError:
        return False
    return (
        isinstance(data, np.ndarray)
        and isinstance(mask, np.ndarray)
        and data.dtype == bool
        and mask.dtype == bool
        and data[:2].tolist() == [True, False]
        and mask.tolist() == [False, False, True]
    )


FAST = _probe()


def yes_no(
    values: pd.arrays.BooleanArray, *, fast: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(yes, no) per row of a nullable boolean array; unknown rows are neither."""
    if FAST if fast is None else fast:
        known = ~values._mask
        return values._data & known, ~values._data & known
    known = ~np.asarray(values.isna(), dtype=bool)
    yes = values.to_numpy(dtype=bool, na_value=False)
    return yes, ~yes & known
