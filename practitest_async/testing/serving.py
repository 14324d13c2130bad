"""Serving an aiohttp app on loopback for the length of an ``async with``: what the PractiTest
emulator, the fake Xray and the fault proxy share (start, stop, port, URL)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class LoopbackServer:
    """Subclasses build their app in :meth:`make_app`; ``port=0`` takes a free port."""

    what = "server"  # named in the error when the URL is asked for before start()
    # Whether a request's handler is cancelled when its client goes away (a real server's
    # request may go on and be applied after the client gave up: a fake that wants to show
    # that sets this to False).
    cancel_on_disconnect = True

    def __init__(self, host: str, port: int = 0) -> None:
        self.host, self._port = host, port
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        """The app to serve."""
        raise NotImplementedError

    async def start(self) -> Self:
        """Serve the app; returns self, with the port the system gave when it was 0."""
        runner = web.AppRunner(
            self.make_app(),
            handler_cancellation=self.cancel_on_disconnect,
            access_log=None,
            shutdown_timeout=1.0,
        )
        await runner.setup()
        await web.TCPSite(runner, self.host, self._port).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def close(self) -> None:
        """Stop serving (idempotent)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def port(self) -> int:
        """The port served on (0 until started, when it was asked to pick one)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._runner is None:
            raise RuntimeError(f"the {self.what} is not started")
        return f"http://{self.host}:{self._port}"
