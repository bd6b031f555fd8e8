"""The ``/metrics`` page: families rendered once per poll, a scrape joins bytes.

prometheus_client renders every sample again at every scrape, ~10 µs a sample: 60 ms for
the 6,000 series of a site-sized cluster. The families a poll built stay the same until a
poll builds new ones, so each is rendered once per format a client asked for (text 0.0.4,
OpenMetrics, with their escaping), and gzip-compressed once for the clients that accept
gzip: the response is then a sequence of gzip members, which HTTP clients and Prometheus
read as one stream. A scrape renders only what depends on the clock or the process (the
data's age, the pending jobs' ages, the exporter's CPU and memory). The bytes served are
those of ``encoder(registry)`` over the same families (the tests compare them).

Several pollers' families of one name are merged by joining their sample lines under the
first one's HELP and TYPE lines: the text formats have each name once.
"""

from __future__ import annotations

import copy
import gzip
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client.exposition import choose_encoder, gzip_accepted
from prometheus_client.registry import CollectorRegistry

__all__ = [
    "Format",
    "Part",
    "Piece",
    "Rendered",
    "cached",
    "fmt_for",
    "fresh",
    "merge",
    "page",
    "render",
    "respond",
    "start_server",
]

# The cached families of the dynamic ones are compressed once; those rendered per scrape
# are small. Level 6, zlib's default: most of level 9's ratio at a third of its time.
_LEVEL = 6
_EOF = b"# EOF\n"


@dataclass(frozen=True)
class Format:
    """One way to write the page, as a client's Accept header chose it."""

    content_type: str
    encode: Callable[[Any], bytes]
    """prometheus_client's encoder for this format (what ``generate_latest`` is to text)."""

    @property
    def eof(self) -> bytes:
        """What ends the page (OpenMetrics' ``# EOF``), rendered once at the end."""
        return _EOF if self.content_type.startswith("application/openmetrics-text") else b""


def fmt_for(accept: str | None) -> Format:
    """The format prometheus_client would answer ``accept`` with."""
    encode, content_type = choose_encoder(accept or "")
    return Format(content_type, encode)


class _Families:
    """The smallest collector: what an encoder needs to render ``families``."""

    def __init__(self, families: Iterable[Any]) -> None:
        self._families = families

    def collect(self) -> Iterable[Any]:
        return self._families


class Piece:
    """One family in one format: its HELP/TYPE lines and its sample lines, each also
    gzip-compressed on first use (a member of the gzip stream served)."""

    __slots__ = ("_gzip", "body", "header", "name")

    def __init__(self, name: str, header: bytes, body: bytes) -> None:
        self.name = name
        self.header = header
        self.body = body
        self._gzip: tuple[bytes, bytes] | None = None

    def gzipped(self) -> tuple[bytes, bytes]:
        """The header and the body, each as a gzip member."""
        if self._gzip is None:
            self._gzip = (_compress(self.header), _compress(self.body))
        return self._gzip


def _compress(data: bytes) -> bytes:
    return gzip.compress(data, _LEVEL, mtime=0) if data else b""


def render(family: Any, fmt: Format) -> Piece:
    """``family`` in ``fmt``: what ``fmt.encode`` writes for it, split after its header."""
    eof = fmt.eof
    block = fmt.encode(_Families((family,)))
    bare = _without_samples(family)
    header = fmt.encode(_Families((bare,)))
    if eof:
        block = block.removesuffix(eof)
        header = header.removesuffix(eof)
    if not block.startswith(header):
        # A family the encoder splits (a counter's `_created` samples under a header of
        # their own in text 0.0.4): not ours; kept whole, it cannot be merged with another.
        return Piece(family.name, b"", block)
    return Piece(family.name, header, block[len(header) :])


def _without_samples(family: Any) -> Any:
    bare = copy.copy(family)
    bare.samples = []
    return bare


class Rendered:
    """The pieces of one set of families (one poll of one source), per format; filled on
    the first scrape in a format, or by the poller as soon as it built them."""

    __slots__ = ("_by_format", "_lock")

    def __init__(self) -> None:
        self._by_format: dict[str, tuple[Piece, ...]] = {}
        self._lock = threading.Lock()

    def __contains__(self, content_type: object) -> bool:
        """Whether the families are rendered in the format of ``content_type``."""
        return content_type in self._by_format

    def get(self, families: Sequence[Any], fmt: Format) -> tuple[Piece, ...]:
        """The pieces of ``families`` in ``fmt`` (rendered now if no scrape asked yet)."""
        pieces = self._by_format.get(fmt.content_type)
        if pieces is None:
            # One scrape renders, concurrent ones wait for it rather than render too.
            with self._lock:
                pieces = self._by_format.get(fmt.content_type)
                if pieces is None:
                    pieces = tuple(render(family, fmt) for family in families)
                    self._by_format[fmt.content_type] = pieces
        return pieces


@dataclass(frozen=True)
class Part:
    """One piece on the page: rendered for this scrape (``fresh``) or cached."""

    piece: Piece
    fresh: bool


def page(groups: Iterable[Sequence[Part]], fmt: Format, zipped: bool) -> bytes:
    """The page: each group (the parts of one family name) under its first part's header;
    with ``zipped``, a gzip stream of the cached members and of the fresh runs."""
    if not zipped:
        chunks: list[bytes] = []
        for parts in groups:
            chunks.append(parts[0].piece.header)
            chunks.extend(part.piece.body for part in parts)
        chunks.append(fmt.eof)
        return b"".join(chunks)
    out: list[bytes] = []
    run: list[bytes] = []  # fresh bytes, compressed together into one member

    def cached(member: bytes) -> None:
        if run:
            out.append(_compress(b"".join(run)))
            run.clear()
        out.append(member)

    for parts in groups:
        for index, part in enumerate(parts):
            piece = part.piece
            if part.fresh:
                if index == 0:
                    run.append(piece.header)
                run.append(piece.body)
                continue
            header, body = piece.gzipped()
            if index == 0:
                cached(header)
            cached(body)
    run.append(fmt.eof)
    out.append(_compress(b"".join(run)))
    return b"".join(out)


def merge(streams: Iterable[Iterable[Part]]) -> Iterable[Sequence[Part]]:
    """The parts of each family name, in the order names first appear: the families of
    one name from several streams (pollers) become one group, the first one's header
    leading; a later one with no samples adds nothing."""
    groups: dict[str, list[Part]] = {}
    for stream in streams:
        for part in stream:
            group = groups.get(part.piece.name)
            if group is None:
                groups[part.piece.name] = [part]
            elif part.piece.body:
                group.append(part)
    return groups.values()


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]
PageMaker = Callable[[Format, bool], bytes]
"""What a scrape asks for: the page in one format, gzipped or not."""


def respond(make_page: PageMaker, registry: CollectorRegistry) -> WSGIApp:
    """The WSGI application serving ``make_page`` as prometheus_client's would: any path
    but ``/favicon.ico``, GET and OPTIONS; ``name[]`` selects series (rendered from
    ``registry`` then, as prometheus_client does)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        allow = [("Allow", "OPTIONS,GET")]
        if method == "OPTIONS":
            start_response("200 OK", allow)
            return [b""]
        if method != "GET":
            start_response("405 Method Not Allowed", allow)
            return [f"# HTTP 405 Method Not Allowed: {method}; use OPTIONS or GET\n".encode()]
        if environ.get("PATH_INFO") == "/favicon.ico":
            start_response("200 OK", [])
            return [b""]
        fmt = fmt_for(environ.get("HTTP_ACCEPT"))
        zipped = gzip_accepted(environ.get("HTTP_ACCEPT_ENCODING") or "")
        names = parse_qs(environ.get("QUERY_STRING", "")).get("name[]")
        if names:
            body = fmt.encode(registry.restricted_registry(names))
            if zipped:
                body = gzip.compress(body)
        else:
            body = make_page(fmt, zipped)
        headers = [("Content-Type", fmt.content_type)]
        if zipped:
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        return [body]

    return app


class _Quiet(WSGIRequestHandler):
    """No line per request on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a scrape in progress never holds the exporter's exit


def start_server(app: WSGIApp, host: str, port: int) -> WSGIServer:
    """Serve ``app`` on ``host:port`` (IPv4 or IPv6, as the address says) in a daemon
    thread; port 0 picks a free one."""
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]

    class Server(_Server):
        address_family = family

    server = make_server(str(address[0]), port, app, Server, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="slurmlib-exporter-http")
    thread.daemon = True
    thread.start()
    return server


def fresh(families: Iterable[Any], fmt: Format) -> Iterator[Part]:
    """Parts rendered for this scrape only."""
    for family in families:
        yield Part(render(family, fmt), True)


def cached(pieces: Iterable[Piece]) -> Iterator[Part]:
    """Parts from a poll's cache."""
    for piece in pieces:
        yield Part(piece, False)
