"""An embedded PostgreSQL (pgserver) so the service runs on a machine with only Python."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / ".data" / "pg"


def embedded_database_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """Start (or join) the embedded server under `data_dir` and return its URL.

    The server stops when the last process using it exits.
    """
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "DATABASE_URL is not set and the embedded database is not installed; "
            "install the 'embedded' extra (pip install '.[embedded]') or set DATABASE_URL"
        ) from exc
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(data_dir, cleanup_mode="stop").get_uri()
