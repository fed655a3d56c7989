"""Named SQL queries, one module per aggregate; functions take keyword-only arguments."""

from __future__ import annotations

import psycopg
from psycopg.rows import DictRow


def one_row(cursor: psycopg.Cursor[DictRow]) -> DictRow:
    """The row of a statement that always returns one (an aggregate, an insert's `returning`):
    none is a broken query, not a case for the caller to handle."""
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("expected a row; the statement returned none")
    return row
