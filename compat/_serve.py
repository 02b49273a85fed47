"""Serving an :class:`~compat._http.App` with uvicorn.

Three ways, one configuration:

- :meth:`Server.start` / :meth:`Server.stop`: in a thread of this process (the sandbox
  in tests and ``compat demo``, ``Gateway.start()``);
- :meth:`Server.run`: in the foreground until SIGTERM or SIGINT, then drain (the
  command line);
- :func:`run_processes`: N worker processes sharing one listening socket, each
  draining on SIGTERM (``compat gateway --processes N``).

Why uvicorn: connections are served by an event loop, so an idle or slow client costs
a socket, not a worker; the listen backlog is real (2048); HTTP/1.1 with keep-alive,
chunked bodies and pipelining are parsed by httptools (or h11); a graceful shutdown
stops accepting, closes idle connections and answers every request in flight. What it
lacks, a deadline for a request's headers, :func:`_protocol` adds.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Iterator

    import uvicorn

    from ._http import App

__all__ = ["DEFAULT_BACKLOG", "Server", "listen", "run_processes"]

log = logging.getLogger("compat")

#: Connections the kernel queues before they are accepted.
DEFAULT_BACKLOG = 2048
#: Seconds an idle keep-alive connection is kept open.
KEEP_ALIVE = 5


def listen(host: str, port: int, backlog: int = DEFAULT_BACKLOG) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said, not 0: asyncio sets TCP_NODELAY only on sockets that say it, and
    # without it every answer on a kept-alive connection waits for a delayed ACK (40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _protocol(read_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools' parser when installed, else h11's) with a
    deadline for each request's headers: a connection that has not sent a whole request
    head ``read_timeout`` seconds after it opened, or after its last answer, is closed
    (slowloris). The body has its own deadline in :class:`~compat._http.App`."""
    base: Any
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:  # pragma: no cover - httptools is in the gateway extra
        from uvicorn.protocols.http.h11_impl import H11Protocol as base

    class Protocol(base):  # type: ignore[misc]
        _head_deadline: Optional[asyncio.TimerHandle] = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Optional[Exception]) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            self._head_deadline = self.loop.call_later(read_timeout, self._expired)

        def _expired(self) -> None:
            self._head_deadline = None
            waiting = self.cycle is None or self.cycle.response_complete
            if waiting and not self.transport.is_closing():
                self.transport.close()  # no request head in time

    return Protocol


class Server:
    """One :class:`~compat._http.App` on one listening socket.

    :param fast: uvloop when installed (the ``gateway`` extra), for a process of its
        own; a server in a thread of the application keeps the standard event loop.
    """

    def __init__(
        self,
        app: App,
        sock: socket.socket,
        *,
        drain_timeout: float,
        fast: bool = False,
    ) -> None:
        self.app = app
        self.sock = sock
        self.drain_timeout = drain_timeout
        self.fast = fast
        self._server: Optional[uvicorn.Server] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]
        return port

    def _uvicorn(self) -> uvicorn.Server:
        import uvicorn

        config = uvicorn.Config(
            self.app,
            http=_protocol(self.app.read_timeout),
            loop="auto" if self.fast else "asyncio",
            lifespan="on",
            log_config=None,  # the application's logging is its own
            access_log=False,  # compat writes its own, without secrets
            server_header=False,
            timeout_keep_alive=KEEP_ALIVE,
            timeout_graceful_shutdown=max(1, round(self.drain_timeout)),
            backlog=DEFAULT_BACKLOG,
        )
        return uvicorn.Server(config)

    # -- in a thread -------------------------------------------------------------------

    def start(self) -> None:
        """Serve in a thread; return once serving."""
        server = self._server = self._uvicorn()
        self._thread = threading.Thread(
            target=_run, args=(server, self.sock), name="compat-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.sock.close()
                msg = "the server did not start"
                raise RuntimeError(msg)
            time.sleep(0.002)

    def stop(self) -> None:
        """Stop accepting, answer the requests in flight (up to the drain timeout), and
        close every connection."""
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(self.drain_timeout + 5)
            self._server = None
        self.sock.close()

    # -- in the foreground -------------------------------------------------------------

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT, then drain and return."""
        server = self._uvicorn()
        # uvicorn drains on SIGTERM and SIGINT, then raises the signal again for the
        # handler it found: that one only ends the wait, so the process exits with 0.
        try:
            with _signals(threading.Event()):
                _run(server, self.sock)
        finally:
            self.sock.close()
        if not server.started:
            msg = "the server did not start"
            raise RuntimeError(msg)


def _run(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        server.run(sockets=[sock])
    except SystemExit:  # uvicorn's way to say the application did not start
        log.error("the server did not start")


def run_processes(server: Server, processes: int) -> int:
    """Serve ``server`` from ``processes`` forked worker processes sharing its socket,
    until SIGTERM or SIGINT: then each worker drains, and this returns. A worker that
    dies is replaced. Returns how many workers were replaced."""
    context = multiprocessing.get_context("fork")
    stop = threading.Event()
    replaced = 0

    def spawn() -> multiprocessing.process.BaseProcess:
        worker = context.Process(target=_worker, args=(server,), name="compat-worker")
        worker.start()
        return worker

    with _signals(stop):
        workers = [spawn() for _ in range(processes)]
        while not stop.wait(0.2):
            for i, worker in enumerate(workers):
                if not worker.is_alive() and not stop.is_set():
                    log.warning(
                        "worker %s exited (%s); starting another", worker.pid, worker.exitcode
                    )
                    workers[i] = spawn()
                    replaced += 1
        for worker in workers:
            if worker.pid is not None and worker.is_alive():
                os.kill(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.join(server.drain_timeout + 5)
            if worker.is_alive():  # pragma: no cover - a worker stuck past its drain
                worker.kill()
                worker.join()
    server.sock.close()
    return replaced


def _worker(server: Server) -> None:
    server.run()


@contextlib.contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    handlers = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
