"""Identifiers that lost their leading zeros (README "Identifiers").

Ids are matched as :mod:`visit_audit.identifiers` says (an id made only of
digits without its leading zeros); the engine matches them so, and outputs
show the cases extract's spelling because findings come from its episodes.
Two different ids of the cases extract that differ only by leading zeros
(``007`` and ``7``) could not be told apart in the visits: the run stops.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from visit_audit.arrow import arrow_text, distinct
from visit_audit.errors import InputError
from visit_audit.identifiers import id_key, id_keys


def check_distinct_ids(cases: pd.DataFrame, column: str, file: str) -> None:
    """Stop when two different ids of the cases extract differ only by leading zeros."""
    values, positions = distinct(arrow_text(cases[column]))
    values = pc.fill_null(values, "")
    if len(values) < 2:
        return
    key_values, key_of = distinct(id_keys(values))
    if len(key_values) == len(values):
        return
    counts = np.bincount(key_of, minlength=len(key_values))
    spelled = np.flatnonzero(key_of == np.flatnonzero(counts > 1)[0])[:2]
    rows = cases["row"].to_numpy()
    where = [
        f"'{values[int(i)].as_py()}' (row {int(rows[np.flatnonzero(positions == i)[0]])})"
        for i in spelled
    ]
    raise InputError(
        f"{file}: {column} {where[0]} and {where[1]} differ only by leading zeros, so a visit "
        f"recorded against '{id_key(values[int(spelled[0])].as_py())}' cannot be told apart; "
        "correct one of them in the extract"
    )


def closest_ids(wanted: str, known: Iterable[str], n: int = 5) -> list[str]:
    """The ids that come closest to ``wanted`` (for "no child '…'" messages)."""
    known = [str(k) for k in known]
    spelled = {id_key(k): k for k in known}
    near = difflib.get_close_matches(id_key(wanted), list(spelled), n=n, cutoff=0.6)
    return [spelled[k] for k in near]
