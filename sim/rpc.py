"""Minimal JSON-RPC over HTTP: single calls and ordered batches, with errors that name the cause."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
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


def _post(url: str, payload: Any, timeout: float) -> Any:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise DevnetUnreachable(
            f"the devnet at {url} did not answer ({exc}): it may have stopped or crashed. "
            "Start it again (`cascade devnet`) or pass the URL of a running node with --rpc."
        ) from exc


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
