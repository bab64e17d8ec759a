"""Start and stop a local anvil devnet with deterministic funded accounts."""

from __future__ import annotations

import contextlib
import ctypes
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from sim.node import rpc
from sim.node.paths import anvil_binary

PR_SET_PDEATHSIG = 1  # prctl(2)

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"


class DevnetError(RuntimeError):
    """anvil could not be started; the message says why and what to do."""


@dataclass(frozen=True)
class DevnetConfig:
    """How to launch anvil. `port=None` picks a free port."""

    host: str = "127.0.0.1"
    port: int | None = None
    accounts: int = 10
    balance_eth: int = 1_000_000
    mnemonic: str = DEFAULT_MNEMONIC
    chain_id: int = 31337
    block_time: float | None = None
    automine: bool = True
    gas_limit: int = 1_000_000_000
    # Transactions in one block are ordered by priority fee, so competing bots are deterministic.
    order: str = "fees"
    genesis_timestamp: int | None = None
    base_fee: int | None = None
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class DevAccount:
    address: str
    private_key: str


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# anvil is stopped by Linux when the thread that started it dies, even by SIGKILL (a killed sweep worker must
# not leave its devnet running): util-linux's setpriv sets that up between fork and exec with no Python in the
# child; without it, a preexec hook does the same, but only from the main thread (running Python between fork
# and exec in a threaded process, such as a Dask worker, can deadlock).
SETPRIV = shutil.which("setpriv")
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _with_parent_death(command: list[str]) -> list[str]:
    return [SETPRIV, "--pdeathsig", "TERM", "--", *command] if SETPRIV else command


def _use_preexec() -> bool:
    return SETPRIV is None and _LIBC is not None and threading.current_thread() is threading.main_thread()


def _die_with_parent() -> None:
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Devnet:
    """A running anvil process; use as a context manager or call start()/stop()."""

    config: DevnetConfig = field(default_factory=DevnetConfig)
    port: int = 0
    accounts: list[DevAccount] = field(default_factory=list)
    requested_port_taken: bool = False
    _process: subprocess.Popen[bytes] | None = None
    _workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def _command(self, config_out: Path) -> list[str]:
        c = self.config
        cmd = [
            str(anvil_binary()),
            "--host", c.host,
            "--port", str(self.port),
            "--accounts", str(c.accounts),
            "--balance", str(c.balance_eth),
            "--mnemonic", c.mnemonic,
            "--chain-id", str(c.chain_id),
            "--gas-limit", str(c.gas_limit),
            "--order", c.order,
            "--hardfork", "cancun",
            "--config-out", str(config_out),
        ]  # fmt: skip
        if c.genesis_timestamp is not None:
            cmd += ["--timestamp", str(c.genesis_timestamp)]
        if c.base_fee is not None:
            cmd += ["--block-base-fee-per-gas", str(c.base_fee)]
        if c.block_time is not None:
            cmd += ["--block-time", str(c.block_time)]
        if not c.automine and c.block_time is None:
            cmd += ["--no-mining"]
        return cmd + list(c.extra_args)

    def start(self, timeout: float = 30.0, attempts: int = 3) -> Devnet:
        """Start anvil and wait until it answers. A port picked here can be taken by another process between
        the pick and anvil's bind (parallel sweeps start many devnets at once): then another port is tried."""
        wanted = self.config.port
        if wanted is not None and not port_is_free(self.config.host, wanted):
            self.requested_port_taken = True
            wanted = None
        for attempt in range(attempts):
            try:
                return self._start_on(wanted if wanted is not None else free_port(self.config.host), timeout)
            except DevnetError:
                if wanted is not None or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start_on(self, port: int, timeout: float) -> Devnet:
        self.port = port
        self._workdir = tempfile.TemporaryDirectory(prefix="cascade-anvil-")
        config_out = Path(self._workdir.name) / "anvil.json"
        # anvil inherits the log file; our handle is closed as soon as the process has it.
        with open(Path(self._workdir.name) / "anvil.log", "wb") as log:
            try:
                self._process = subprocess.Popen(
                    _with_parent_death(self._command(config_out)),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent if _use_preexec() else None,
                )
            except BaseException:
                self.stop()
                raise
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                output = (Path(self._workdir.name) / "anvil.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise DevnetError(
                    f"anvil exited with code {code} while starting on port {self.port}: "
                    f"{output.strip() or 'no output'}. Check that the port is free and the binary runs "
                    "(`make setup` reinstalls it)."
                )
            with contextlib.suppress(rpc.DevnetUnreachable, rpc.RpcError):
                rpc.call(self.url, "eth_chainId", timeout=1.0)
                if config_out.is_file():
                    self.accounts = _read_accounts(config_out)
                    return self
            time.sleep(0.05)
        self.stop()
        raise DevnetError(
            f"anvil did not answer on {self.url} within {timeout:.0f} s; see its log for the cause."
        )

    def stop(self) -> None:
        if self.port:
            rpc.close(self.url)
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def wait(self) -> int:
        """Block until the anvil process exits (for `cascade devnet`)."""
        if self._process is None:
            return 0
        return self._process.wait()

    def __enter__(self) -> Devnet:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _read_accounts(config_out: Path) -> list[DevAccount]:
    data = json.loads(config_out.read_text())
    return [
        DevAccount(address=addr, private_key=key)
        for addr, key in zip(data["available_accounts"], data["private_keys"], strict=True)
    ]
