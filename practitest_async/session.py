"""What a client owns and opens and closes with ``async with``: its HTTP session (through its
transport) and the limiter it made itself (a shared one is opened on entry, so an unreachable
budget store fails there, before anything is sent). PractiTest's and Xray's clients alike."""

from __future__ import annotations

from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from .limiter import Limiter, close_limiter, open_limiter


class _Opens(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...


TransportT = TypeVar("TransportT", bound=_Opens)


class OwnsSession(Generic[TransportT]):
    """``async with client:`` opens the transport and the limiter the client made; leaving
    closes them. A limiter given by the caller stays the caller's to open and close."""

    transport: TransportT
    limiter: Limiter
    _owns_limiter: bool

    async def __aenter__(self) -> Self:
        await self.transport.open()
        if self._owns_limiter:
            try:
                await open_limiter(self.limiter)  # an unreachable shared budget fails here
            except BaseException:
                await self.aclose()
                raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (if the client created it) and the limiter it made."""
        await self.transport.close()
        if self._owns_limiter:
            await close_limiter(self.limiter)
