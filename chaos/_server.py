"""The web world's lifetime: the shop served by uvicorn on 127.0.0.1 at a free port, in a thread
of this process, with its SQLite files in a temporary folder; stopping it closes the port and
removes the folder."""

from __future__ import annotations

import secrets
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from chaos import _db
from chaos._errors import ChaosError

START_TIMEOUT_S = 15.0


class WebWorld:
    """The shop on a free port of 127.0.0.1; use it as a context manager.

    `reset()` gives the next episode a fresh database; `scalar(sql)` reads the server's state
    for a task's check.
    """

    def __init__(self, port: int = 0) -> None:
        self._wanted_port = port
        self._folder: Path | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0
        """The port it listens on (0 until started)."""

    @property
    def base_url(self) -> str:
        """The shop's origin, e.g. http://127.0.0.1:41234."""
        if not self.port:
            raise ChaosError("the web world is not running; fix: start it (use `with WebWorld()`)")
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        """The live SQLite file the server reads and writes."""
        return self._require_folder() / "shop.sqlite"

    @property
    def template(self) -> Path:
        """The seed database every reset copies."""
        return self._require_folder() / "seed.sqlite"

    def _require_folder(self) -> Path:
        if self._folder is None:
            raise ChaosError("the web world is not running; fix: start it (use `with WebWorld()`)")
        return self._folder

    def start(self) -> WebWorld:
        """Build the seed database, bind a free port and serve until `stop()`."""
        import uvicorn

        from chaos._shop import Shop, create_app

        self._folder = Path(tempfile.mkdtemp(prefix="regenlab-chaos-world-"))
        _db.build_template(self.template)
        _db.restore(self.template, self.database)
        app = create_app(Shop(database=self.database, secret=secrets.token_bytes(16)))
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind(("127.0.0.1", self._wanted_port))
        except OSError as exc:
            self.stop()
            raise ChaosError(
                f"--port {self._wanted_port}: cannot listen on it ({exc.strerror}); fix: give "
                "a free port, or 0 for any"
            ) from exc
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        sockets = [self._socket]
        self._thread = threading.Thread(
            target=lambda: self._server.run(sockets=sockets), name="chaos-world", daemon=True
        )
        self._thread.start()
        self._wait_started()
        return self

    def _wait_started(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if self._thread is None or not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ChaosError(
                    f"the web world did not start within {START_TIMEOUT_S:.0f} s; fix: check "
                    "that uvicorn and starlette are installed (pip install -e '.[chaos]')"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving, close the port and delete the database folder. Idempotent."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._server = self._thread = self._socket = self._folder = None
        self.port = 0

    def reset(self) -> None:
        """A fresh database for the next episode: the seed data, nothing an episode wrote."""
        _db.restore(self.template, self.database)

    def sign_in(self, username: str) -> dict[str, Any]:
        """A session for `username` made on the server (a task's storage state): its cookie."""
        token = secrets.token_urlsafe(16)
        with _db.connect(self.database) as db:
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?)",
                (token, username, secrets.token_urlsafe(16)),
            )
        return {"name": "session", "value": token, "url": self.base_url, "httpOnly": True}

    def scalar(self, sql: str) -> Any:
        """The first value of a read-only query on the server's state."""
        return _db.scalar(self.database, sql)

    def __enter__(self) -> WebWorld:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
