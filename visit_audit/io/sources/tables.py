"""Tables of text, read from a folder of CSV/.xlsx files or a database.

Every cell is read as text ("" when empty), as a spreadsheet shows it, so that
the canonical loaders (:mod:`visit_audit.io.load`) parse dates, answers and ids
exactly as they parse any extract. Row numbers are what a user can find: a
file's spreadsheet row (header = row 1); a database table's position in the
order of its first column (first row = 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from visit_audit.columns import REJECTED_COLUMNS
from visit_audit.errors import InputError
from visit_audit.io import dates
from visit_audit.io.raw import TEXT, RawTable


@dataclass
class TextTable:
    """One table: lower-cased column names → text, and the row number of each row."""

    name: str  # as rejected rows name it, e.g. ssd_cp_visits
    path: str  # the file, or the database URL without its password
    sha256: str
    frame: pd.DataFrame  # object columns of str, "" = empty; no completely blank row
    rows: np.ndarray  # int64 row number of each row of ``frame``

    def take(self, keep: np.ndarray) -> TextTable:
        return TextTable(
            self.name,
            self.path,
            self.sha256,
            self.frame.loc[keep].reset_index(drop=True),
            self.rows[keep],
        )


def parse_text_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A text column's dates (datetime64[D]) and each cell's status (:mod:`visit_audit.io.dates`)."""
    days, status = dates.parse_dates(pa.array(text.to_numpy(dtype=object), type=pa.string()))
    return days.astype("datetime64[D]"), status


def no_rejects() -> pd.DataFrame:
    """An empty frame of rejected rows (REJECTED_COLUMNS)."""
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="str"),
            "row": pd.Series(dtype=np.int64),
            "reason": pd.Series(dtype="str"),
        }
    )[list(REJECTED_COLUMNS)]


def raw_table(table: TextTable, columns: dict[str, pd.Series | str]) -> RawTable:
    """A :class:`RawTable` whose headers are canonical field names, for the loaders.

    ``columns``: field name → a text column of ``table`` (or one value for every row).
    """
    n = len(table.frame)
    text = []
    for value in columns.values():
        if isinstance(value, str):
            text.append(pa.array([value] * n, type=TEXT))
        else:
            text.append(pa.array(value.to_numpy(dtype=object), type=TEXT))
    return RawTable(
        file=table.name,
        path=table.path,
        sha256=table.sha256,
        headers=list(columns),
        text=text,
        native=[None] * len(text),
        rows=np.asarray(table.rows, dtype=np.int64),
        header_row=1,
    )


def as_text(series: pd.Series) -> pd.Series:
    """A column of any values as the text a spreadsheet would show ("" when empty).

    Dates and times as ISO text; whole numbers without ``.0`` (an id stored as a
    number stays ``1001``).
    """
    values = series.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    blank = pd.isna(values)
    # The kinds a database column holds are turned into text a column at a time;
    # a column of mixed kinds (a spreadsheet's) goes cell by cell below.
    if kind in ("string", "empty"):
        return pd.Series(np.where(blank, "", values), index=series.index, dtype=object)
    if kind in ("datetime", "datetime64"):
        stamps = pd.to_datetime(pd.Series(values, index=series.index))
        text = stamps.dt.strftime("%Y-%m-%d %H:%M:%S")
        return text.where(~blank, "").astype(object)
    if kind == "integer":
        return pd.Series(values, index=series.index).astype(str).where(~blank, "").astype(object)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # io boundary: one pass over the cells read
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out[i] = ""
        elif isinstance(v, str):
            out[i] = v
        elif isinstance(v, dt.datetime):
            out[i] = v.strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(v, dt.date):
            out[i] = v.isoformat()
        elif isinstance(v, float) and v.is_integer():
            out[i] = str(int(v))
        elif isinstance(v, bytes):
            out[i] = v.decode("utf-8", "replace")
        else:
            out[i] = str(v)
    return pd.Series(out, index=series.index, dtype=object)


def _finish(
    name: str,
    path: str,
    sha256: str,
    frame: pd.DataFrame,
    first_row: int,
    null_text: bool = False,
) -> TextTable:
    """``null_text``: a cell reading ``NULL`` is empty, as SQL Server Management
    Studio writes a database's empty values into a CSV file."""
    frame = frame.rename(columns=lambda c: str(c).strip().casefold())
    frame = frame.loc[:, [c for c in frame.columns if c and not c.startswith("unnamed:")]]
    frame = pd.DataFrame({c: as_text(frame[c]).str.strip() for c in frame.columns})
    if null_text and len(frame.columns):
        frame = frame.mask(frame == "NULL", "")
    rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
    if len(frame.columns):
        filled = (frame != "").any(axis=1).to_numpy(bool)
    else:
        filled = np.zeros(len(frame), dtype=bool)
    return TextTable(name, path, sha256, frame.loc[filled].reset_index(drop=True), rows[filled])


def read_file(path: Path, name: str) -> TextTable:
    """A CSV file (UTF-8 or Windows-1252) or the first sheet of an .xlsx workbook."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".xlsx":
        try:
            frame = pd.read_excel(
                io.BytesIO(data), engine="calamine", dtype=object, na_filter=False
            )
        except Exception as exc:  # calamine raises its own types for a damaged file
            raise InputError(
                f"{path}: cannot be read as an .xlsx workbook ({type(exc).__name__})"
            ) from None
        return _finish(name, str(path), digest, frame, 2, null_text=True)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding=encoding,
            )
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{path}: cannot be read as CSV ({reason})") from None
    return _finish(name, str(path), digest, frame, 2, null_text=True)


class Folder:
    """The tables of a folder: ``<name>.csv`` or ``<name>.xlsx``, the name in any case."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise InputError(f"--ssd {folder}: no such folder")
        self.where = str(folder)
        self.files: dict[str, Path] = {}
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() in (".csv", ".xlsx") and p.is_file():
                name = p.stem.strip().casefold()
                other = self.files.setdefault(name, p)
                if other != p and name.startswith("ssd_"):
                    raise InputError(
                        f"--ssd {folder}: both {other.name} and {p.name} hold {name}; "
                        "keep one of them"
                    )

    def names(self) -> set[str]:
        return set(self.files)

    def read(self, name: str) -> TextTable:
        return read_file(self.files[name], name)


def _holds_ssd(tables: list[str]) -> bool:
    return any(t.casefold().startswith("ssd_") for t in tables)


def choose_schema(schemas: dict[str, list[str]], where: str) -> str | None:
    """The one schema holding SSD tables (``ssd_…``), when the default holds none;
    None when no schema does (the run then stops: no SSD table found). Two such
    schemas (a test copy beside the live one) stop the run: which to audit is the
    user's to say, through the login's default schema."""
    holding = sorted(name for name, tables in schemas.items() if _holds_ssd(tables))
    if len(holding) > 1:
        raise InputError(
            f"--ssd {where}: SSD tables are in several schemas ({', '.join(holding)}) and "
            "none in the default one; make the one to audit the login's default schema"
        )
    return holding[0] if holding else None


class Database:
    """The tables of a database, through SQLAlchemy (an optional extra)."""

    def __init__(self, url: str) -> None:
        try:
            import sqlalchemy as sa
        except ImportError:
            raise InputError(
                "--ssd: reading a database needs SQLAlchemy: pip install 'visit-audit[ssd]'"
            ) from None
        self.sa = sa
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError:
            raise InputError(
                f"--ssd '{url}': not a folder or a database URL "
                "(e.g. sqlite:///ssd.db, mssql+pyodbc://…, postgresql+psycopg://…)"
            ) from None
        self.where = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database or ""
            if db in ("", ":memory:") or not Path(db).is_file():
                raise InputError(f"--ssd {self.where}: no such SQLite database file")
        try:
            self.engine = sa.create_engine(parsed)
            self.conn = self.engine.connect()
            inspector = sa.inspect(self.conn)
            tables = inspector.get_table_names()
            self.schema = None
            if not _holds_ssd(tables):
                # The SSD's scripts create their tables in a schema of their own
                # (ssd_development, unless a council renames it).
                others = {
                    schema: inspector.get_table_names(schema=schema)
                    for schema in inspector.get_schema_names()
                }
                self.schema = choose_schema(others, self.where)
                tables = others.get(self.schema, tables) if self.schema else tables
                if self.schema:
                    self.where = f"{self.where} (schema {self.schema})"
        except ImportError as exc:  # the URL's driver (pyodbc, psycopg) is not installed
            raise InputError(
                f"--ssd {self.where}: the database driver is not installed ({exc.name or exc}); "
                "see the README's 'From the SSD'"
            ) from None
        except sa.exc.NoSuchModuleError:
            raise InputError(
                f"--ssd {self.where}: SQLAlchemy knows no database called '{parsed.drivername}'"
            ) from None
        except sa.exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
            raise InputError(f"--ssd {self.where}: cannot connect ({reason})") from None
        self.tables = {t.casefold(): t for t in tables}

    def names(self) -> set[str]:
        return set(self.tables)

    def read(self, name: str) -> TextTable:
        sa = self.sa
        try:
            table = sa.Table(
                self.tables[name], sa.MetaData(), autoload_with=self.conn, schema=self.schema
            )
            query = sa.select(table)
            if len(table.columns):
                query = query.order_by(list(table.columns)[0])
            result = self.conn.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)
        except sa.exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
            raise InputError(
                f"--ssd {self.where}: table {name} cannot be read ({reason})"
            ) from None
        text = frame.astype(str).to_csv(index=False).encode("utf-8")
        return _finish(name, self.where, hashlib.sha256(text).hexdigest(), frame, 1)

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def folder_files(where: str) -> list[Path]:
    """The table files of an SSD folder (none for a database URL): inputs no output
    may overwrite."""
    folder = Path(where)
    if "://" in where or not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx")]


def open_source(where: str) -> Folder | Database:
    """A folder when ``where`` is one (or has no ``://``), else a database URL."""
    if "://" not in where:
        return Folder(Path(where))
    return Database(where)
