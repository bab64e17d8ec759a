"""Many runs at once (for `cascade compare` and `cascade sweep`): each run is a task executed by a worker
process (with its own anvil, or the in-process EVM); the executor is pluggable. Local processes by default,
reused from run to run (one interpreter start and import per worker, not per run); a Dask distributed
cluster for users who outgrow one machine. A worker that dies (killed, out of memory) is reported and its
task retried; a task that still fails is recorded as failed with its error, never dropped."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

ATTEMPTS_FILE = "attempts.jsonl"


class BatchError(RuntimeError):
    """The batch cannot run or lost a task (no Dask, an unreachable scheduler); the message says what to do."""


def default_workers() -> int:
    """Half the CPUs: each run is a Python process and an anvil."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True)
class RunTask:
    """One run: a scenario with overrides and a seed, written to `out_dir`."""

    id: str
    scenario: str
    out_dir: str
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    blocks: int | None = None
    report: bool = False
    backend: str = "anvil"


@dataclass
class Outcome:
    task: RunTask
    status: str  # completed | failed
    summary: dict[str, Any]
    error: str = ""
    attempts: int = 1


Runner = Callable[[RunTask], dict[str, Any]]
"""Runs one task in this process and returns its summary (`status`, `error`, and `retryable` when another try
may pass). `sim.run.run_task` is the one the command line gives; the batch knows runs only through it."""


def execute(task: RunTask, runner: Runner) -> dict[str, Any]:
    """Run one task in this process (a worker) and return its summary. Each attempt is logged in the run folder
    first, so a retried task shows how many times it started and where."""
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with (out / ATTEMPTS_FILE).open("a") as log:
        log.write(
            json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}) + "\n"
        )
    summary = runner(task)
    if task.report and summary.get("status") == "completed":
        from sim.report.plots import plot_overview
        from sim.report.run_report import ReportError, write_report

        try:
            plot_overview(out)
            write_report(out)
        except (ReportError, OSError, ValueError) as exc:  # the run stands; say why its report is missing
            summary["report_error"] = f"{type(exc).__name__}: {exc}"
    return summary


class RunFailedInWorker(RuntimeError):
    """A run on a Dask worker failed; raised so that the scheduler retries it."""


def execute_strict(task: RunTask, runner: Runner) -> dict[str, Any]:
    """`execute`, raising when the run failed in a way another try may fix (Dask retries only what raises)."""
    summary = execute(task, runner)
    if summary.get("status") != "completed" and summary.get("retryable"):
        raise RunFailedInWorker(str(summary.get("error", "run failed")))
    return summary


def attempts_of(task: RunTask) -> int:
    path = Path(task.out_dir) / ATTEMPTS_FILE
    return sum(1 for line in path.read_text().splitlines() if line.strip()) if path.is_file() else 0


Notify = Callable[[str], None]


class Executor(Protocol):
    """Runs tasks and yields each one's outcome as it finishes (in any order)."""

    def run(self, tasks: Sequence[RunTask], notify: Notify) -> Iterator[Outcome]: ...


def _worker_main(task: RunTask, runner: Runner, conn: Connection) -> None:
    try:
        conn.send(("ok", execute(task, runner)))
    except BaseException as exc:  # reported to the parent; the process then exits
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _worker_loop(runner: Runner, conn: Connection) -> None:
    """A reused worker: runs the tasks it is sent, one at a time, until it is sent None (or its parent goes)."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            conn.send(("ok", execute(task, runner)))
        except BaseException as exc:  # reported to the parent, which decides about a retry
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _settle(
    task: RunTask,
    summary: dict[str, Any],
    error: str,
    retryable: bool,
    attempts: int,
    retries: int,
    notify: Notify,
) -> Outcome | None:
    """A finished attempt's outcome, or None when the task goes back in the queue for another attempt."""
    if not error:
        return Outcome(task, "completed", summary, attempts=attempts)
    if retryable and attempts <= retries:
        notify(f"{task.id}: {error}; retrying (attempt {attempts + 1})")
        return None
    notify(f"{task.id}: {error}; giving up after {attempts} attempt(s)")
    return Outcome(task, "failed", summary, error, attempts)


@dataclass
class LocalExecutor:
    """Up to `workers` runs at a time on spawned processes. With `reuse` (what `cascade` uses) each worker
    process runs task after task, so the interpreter starts and the simulator is imported once per worker,
    not once per run (every run still builds its own devnet or EVM, so nothing of one run leaks into the
    next); without it, each run gets a fresh process running `target`. A run whose process dies without
    answering, or whose devnet failed, is retried up to `retries` times (a dead worker is replaced); any other
    failure would repeat with the same seed and is reported at once."""

    runner: Runner
    workers: int = field(default_factory=default_workers)
    retries: int = 1
    target: Callable[[RunTask, Runner, Connection], None] = _worker_main
    reuse: bool = False

    def run(self, tasks: Sequence[RunTask], notify: Notify) -> Iterator[Outcome]:
        if self.reuse:
            yield from _Pool(self.runner, self.workers, self.retries).run(tasks, notify)
            return
        context = multiprocessing.get_context("spawn")
        queue = list(tasks)
        tries: dict[str, int] = {}
        running: dict[Any, tuple[RunTask, Any, Connection]] = {}
        try:
            while queue or running:
                while queue and len(running) < self.workers:
                    task = queue.pop(0)
                    tries[task.id] = tries.get(task.id, 0) + 1
                    receive, send = context.Pipe(duplex=False)
                    process = context.Process(
                        target=self.target, args=(task, self.runner, send), name=f"cascade-{task.id}"
                    )
                    process.start()
                    send.close()
                    running[receive] = (task, process, receive)
                for ready in wait(list(running)):
                    task, process, receive = running.pop(ready)
                    summary, error, retryable = _collect(process, receive)
                    outcome = _settle(task, summary, error, retryable, tries[task.id], self.retries, notify)
                    if outcome is None:
                        queue.append(task)
                    else:
                        yield outcome
        finally:  # stopped early (Ctrl-C, an error in the caller): no worker or its devnet outlives the batch
            for _, process, _ in running.values():
                process.terminate()
            for _, process, receive in running.values():
                process.join(timeout=15)
                if process.is_alive():
                    process.kill()
                    process.join()
                receive.close()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: RunTask | None = None


@dataclass
class _Pool:
    """Long-lived worker processes fed one task at a time over a pipe each."""

    runner: Runner
    workers: int
    retries: int

    def run(self, tasks: Sequence[RunTask], notify: Notify) -> Iterator[Outcome]:
        context = multiprocessing.get_context("spawn")
        queue = list(tasks)
        tries: dict[str, int] = {}
        pool: list[_Worker] = []

        def spawn() -> _Worker:
            mine, theirs = context.Pipe(duplex=True)
            process = context.Process(target=_worker_loop, args=(self.runner, theirs), name="cascade-worker")
            process.start()
            theirs.close()
            return _Worker(process, mine)

        try:
            while queue or any(w.task is not None for w in pool):
                while queue and (len(pool) < self.workers or any(w.task is None for w in pool)):
                    idle = next((w for w in pool if w.task is None), None)
                    if idle is None:
                        idle = spawn()
                        pool.append(idle)
                    sent = queue.pop(0)
                    tries[sent.id] = tries.get(sent.id, 0) + 1
                    idle.task = sent
                    idle.conn.send(sent)
                busy = {w.conn: w for w in pool if w.task is not None}
                for ready in wait(list(busy)):
                    worker = busy[ready]  # type: ignore[index]
                    task = worker.task
                    assert task is not None
                    worker.task = None
                    summary, error, retryable = _answer(worker.process, worker.conn)
                    if error and not worker.process.is_alive():
                        worker.conn.close()
                        worker.process.join()
                        pool.remove(worker)
                    outcome = _settle(task, summary, error, retryable, tries[task.id], self.retries, notify)
                    if outcome is None:
                        queue.append(task)
                    else:
                        yield outcome
        finally:  # stopped early or done: every worker is told to stop, then made to
            for worker in pool:
                with contextlib.suppress(OSError, ValueError):
                    worker.conn.send(None)
            for worker in pool:
                worker.process.join(timeout=15 if worker.task is None else 0)
                if worker.process.is_alive():
                    worker.process.terminate()
                    worker.process.join(timeout=15)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()
                worker.conn.close()


def _answer(process: Any, conn: Connection) -> tuple[dict[str, Any], str, bool]:
    """A reused worker's answer for its task, as `_collect` reads a one-run worker's."""
    try:
        kind, payload = conn.recv()
    except (EOFError, OSError):
        process.join(timeout=5)
        return {}, f"worker process {process.pid} died (exit code {process.exitcode}) while running it", True
    return _verdict(kind, payload)


def _collect(process: Any, receive: Connection) -> tuple[dict[str, Any], str, bool]:
    """A finished worker's (summary, error, retryable). A dead worker or a devnet failure may pass on another
    try; a failure of the run itself, or an exception in the worker's own code, would repeat with the seed."""
    try:
        kind, payload = receive.recv()
    except (EOFError, OSError):
        kind, payload = "died", None
    receive.close()
    process.join()
    if kind == "died":
        return {}, f"worker process {process.pid} died (exit code {process.exitcode}) while running it", True
    return _verdict(kind, payload)


def _verdict(kind: str, payload: Any) -> tuple[dict[str, Any], str, bool]:
    if kind != "ok":
        return {}, str(payload), False
    if payload.get("status") == "completed":
        return payload, "", False
    return payload, str(payload.get("error") or "run failed"), bool(payload.get("retryable"))


@dataclass
class DaskExecutor:
    """Tasks on a Dask distributed cluster (`address` like tcp://host:8786). Every worker needs this package,
    the toolchain (`make setup`) and the scenario files at the same paths; run folders are written by the
    workers, so share the output folder (or run workers on this machine). The scheduler reschedules the task
    of a worker that dies (up to its `distributed.scheduler.allowed-failures` setting, 3 by default); a run
    whose devnet failed is retried `retries` times; the attempt log in the run folder counts the starts."""

    address: str
    runner: Runner
    retries: int = 1

    def run(self, tasks: Sequence[RunTask], notify: Notify) -> Iterator[Outcome]:
        try:
            from distributed import Client, as_completed
        except ImportError:  # pragma: no cover - depends on the install
            raise BatchError(
                "--scheduler needs Dask distributed: pip install 'distributed' (or `pip install -e .[dev]`)."
            ) from None
        try:
            client = Client(self.address, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise BatchError(
                f"cannot reach the Dask scheduler at {self.address} ({exc}); start one with `dask scheduler` "
                "and workers with `dask worker ADDRESS`, or drop --scheduler to run on local processes."
            ) from None
        batch = uuid.uuid4().hex[:12]  # two batches on one scheduler never share a task key
        with client:
            futures = {
                client.submit(
                    execute_strict, task, self.runner, key=f"cascade-{task.id}-{batch}", retries=self.retries
                ): task
                for task in tasks
            }
            for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
                task = futures[future]
                attempts = max(1, attempts_of(task))
                try:
                    summary = future.result()
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    notify(f"{task.id}: {error}; giving up after {attempts} attempts")
                    yield Outcome(task, "failed", _summary_on_disk(task), error, attempts)
                    continue
                if attempts > 1:
                    notify(f"{task.id}: a worker died or failed; it completed on attempt {attempts}")
                status = "completed" if summary.get("status") == "completed" else "failed"
                yield Outcome(task, status, summary, str(summary.get("error", "")), attempts)


def _summary_on_disk(task: RunTask) -> dict[str, Any]:
    path = Path(task.out_dir) / "summary.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def make_executor(*, runner: Runner, workers: int | None, scheduler: str | None, retries: int) -> Executor:
    """Dask when a scheduler is given, else reused local worker processes (`workers` at a time, default half
    the CPUs)."""
    if scheduler:
        return DaskExecutor(scheduler, runner, retries)
    return LocalExecutor(runner, workers or default_workers(), retries, reuse=True)


def run_all(
    tasks: Sequence[RunTask],
    executor: Executor,
    notify: Notify,
    show_progress: bool,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run every task with a progress bar; `on_outcome` sees each as it finishes (to write results so far);
    the outcomes come back in the tasks' order, one per task."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    for task in tasks:  # a folder reused from an earlier batch starts a fresh attempt log
        (Path(task.out_dir) / ATTEMPTS_FILE).unlink(missing_ok=True)
    done: dict[str, Outcome] = {}
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show_progress,
    )
    with progress:
        bar = progress.add_task("runs", total=len(tasks))

        def tell(message: str) -> None:  # retries and failures: always shown, and passed on
            progress.console.print(message, markup=False, highlight=False)
            notify(message)

        for outcome in executor.run(tasks, tell):
            done[outcome.task.id] = outcome
            notify(f"{outcome.task.id}: {outcome.status}")
            if on_outcome is not None:
                on_outcome(outcome)
            progress.update(bar, advance=1)
    missing = [t.id for t in tasks if t.id not in done]
    if missing:  # an executor must answer for every task; say so rather than lose one silently
        raise BatchError(f"the executor returned no outcome for {', '.join(missing)}")
    return [done[t.id] for t in tasks]
