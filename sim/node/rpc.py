"""Minimal JSON-RPC over HTTP: single calls and ordered batches, with errors that name the cause."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from typing import Any


class DevnetUnreachable(RuntimeError):
    """The devnet's RPC endpoint did not answer."""


class RpcError(RuntimeError):
    """The node answered a request with a JSON-RPC error object."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.method = method
        self.code = int(error.get("code", 0))
        self.data = error.get("data")
        super().__init__(f"{method} failed: {error.get('message', error)} (code {self.code})")


MAX_BATCH = 2_000
_connections: dict[tuple[str, int], http.client.HTTPConnection] = {}


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A kept-alive connection per host and port: a new TCP connection per request costs more than the call."""
    parts = urllib.parse.urlsplit(url)
    key = (parts.hostname or "127.0.0.1", parts.port or 80)
    conn = _connections.get(key)
    if conn is None:
        conn = http.client.HTTPConnection(key[0], key[1], timeout=timeout)
        _connections[key] = conn
    conn.timeout = timeout
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    return conn, parts.path or "/"


def close(url: str) -> None:
    """Close the kept-alive connection to `url`, if any (a devnet that stops closes its own)."""
    _drop(url)


def _drop(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    conn = _connections.pop((parts.hostname or "127.0.0.1", parts.port or 80), None)
    if conn is not None:
        conn.close()


def _post(url: str, payload: Any, timeout: float) -> Any:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    for attempt in range(2):
        conn, path = _connection(url, timeout)
        reused = conn.sock is not None
        try:
            conn.request("POST", path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError) as exc:
            # The node closed an idle kept-alive connection before our request reached it: safe to send again.
            _drop(url)
            if attempt == 1 or not reused:
                raise _unreachable(url, exc) from exc
            continue
        except OSError as exc:
            _drop(url)
            raise _unreachable(url, exc) from exc
        try:
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            # The request may have been acted on (a mined block): never re-send it.
            _drop(url)
            raise _unreachable(url, exc) from exc
        if response.status != 200:
            raise RpcError(
                "http", {"message": f"HTTP {response.status}: {data[:200]!r}", "code": response.status}
            )
        return json.loads(data)
    raise AssertionError("unreachable")


def _unreachable(url: str, exc: BaseException) -> DevnetUnreachable:
    return DevnetUnreachable(
        f"the devnet at {url} did not answer ({exc}): it may have stopped or crashed. "
        "Start it again (`cascade devnet`) or pass the URL of a running node with --rpc."
    )


def call(url: str, method: str, params: list[Any] | None = None, timeout: float = 30.0) -> Any:
    """One JSON-RPC call; returns its result or raises RpcError."""
    reply = _post(url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}, timeout)
    if "error" in reply:
        raise RpcError(method, reply["error"])
    return reply["result"]


def batch(url: str, requests: list[tuple[str, list[Any]]], timeout: float = 120.0) -> list[Any]:
    """Send requests as one JSON-RPC batch; return replies in request order (result or RpcError)."""
    if not requests:
        return []
    if len(requests) > MAX_BATCH:
        # Very large batches exceed what the node accepts in one request body: send them in slices.
        sliced: list[Any] = []
        for start in range(0, len(requests), MAX_BATCH):
            sliced += batch(url, requests[start : start + MAX_BATCH], timeout)
        return sliced
    payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(requests)]
    replies = _post(url, payload, timeout)
    if isinstance(replies, dict):  # a node that rejects the whole batch answers with one error
        raise RpcError("batch", replies.get("error", replies))
    by_id = {reply["id"]: reply for reply in replies}
    out: list[Any] = []
    for i, (method, _) in enumerate(requests):
        reply = by_id[i]
        out.append(RpcError(method, reply["error"]) if "error" in reply else reply["result"])
    return out
