"""The gateway's way to the platform: :class:`~compat.MessageClient`'s exchange (signing,
retries with the same requestId, checks of the answer) over aiohttp, on the server's
event loop. A call waiting on the platform holds no thread; one client's pool of
keep-alive connections serves them all.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Optional

import aiohttp

from . import _json, _spec
from .client import Attempt, PlatformReply, network_failure

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .client import MessageClient
    from .models import SendResponse

__all__ = ["Upstream"]


class Upstream:
    """Sends through ``client``'s exchange over aiohttp, at most ``limit`` at once (more
    wait for a connection)."""

    def __init__(self, client: MessageClient, limit: int) -> None:
        self.client = client
        self.limit = limit
        host, port, scheme = client._origin
        self.origin = f"{scheme}://{host}" + (f":{port}" if port else "")
        self._session: Optional[aiohttp.ClientSession] = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = self.client.timeout.clone()  # urllib3's: the same limits per attempt
            timeout.start_connect()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.limit),
                timeout=aiohttp.ClientTimeout(
                    total=_seconds(timeout.total),
                    sock_connect=_seconds(timeout.connect_timeout),
                    sock_read=_seconds(timeout.read_timeout),
                ),
                auto_decompress=False,
                skip_auto_headers=("Accept-Encoding",),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_body(
        self, body: Mapping[str, Any], headers: Optional[Mapping[str, str]]
    ) -> SendResponse:
        """Send a checked wire body, as :meth:`MessageClient.send` does."""
        steps = self.client.exchange(
            _spec.SEND.path, _json.dumps(body), request_id=body["requestId"], headers=headers
        )
        try:
            step = next(steps)
            while True:
                if isinstance(step, Attempt):
                    try:
                        reply = await self._transfer(step)
                    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as err:
                        step = steps.throw(network_failure(err))
                        continue
                    step = steps.send(reply)
                else:
                    await asyncio.sleep(step)
                    step = next(steps)
        except StopIteration as done:
            response: SendResponse = done.value
            return response

    async def _transfer(self, attempt: Attempt) -> PlatformReply:
        session = self._open()
        async with session.post(
            self.origin + attempt.path,
            data=attempt.payload,
            headers=attempt.headers,
            allow_redirects=False,
        ) as answer:
            return PlatformReply(answer.status, answer.headers, await answer.read())


def _seconds(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) else None
