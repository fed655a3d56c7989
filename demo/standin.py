"""A local stand-in for SofaScore serving the bundled recorded-format payloads.

`/api/v1/<path>` answers `data/<phase>/<path>.json`; the phase ("fixtures" before kick-off,
"results" after the final whistle) can be switched while it runs.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
PREFIX = "/api/v1/"


class StandInServer:
    def __init__(self, *, phase: str = "fixtures", data_dir: Path = DATA_DIR):
        self.phase = phase
        self.data_dir = data_dir
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v1"

    def __enter__(self) -> StandInServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _file_for(self, path: str) -> Path | None:
        if not path.startswith(PREFIX) or ".." in path:
            return None
        candidate = self.data_dir / self.phase / f"{path[len(PREFIX) :].strip('/')}.json"
        return candidate if candidate.is_file() else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.requests.append(self.path)
                found = stand_in._file_for(self.path.split("?", 1)[0])
                status, body = (
                    (200, found.read_bytes())
                    if found
                    else (404, json.dumps({"error": {"code": 404, "message": "Not Found"}}).encode())
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                """Quiet: the demo prints its own story."""

        return Handler
