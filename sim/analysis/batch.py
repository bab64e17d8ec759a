"""Many runs at once (for `cascade compare` and `cascade sweep`): each run is a task executed in its own worker
process with its own anvil; the executor is pluggable. Local processes by default; a Dask distributed
cluster for users who outgrow one machine. A worker that dies (killed, out of memory) is reported and its
task retried; a task that still fails is recorded as failed with its error, never dropped."""

from __future__ import annotations

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


@dataclass
class LocalExecutor:
    """Up to `workers` runs at a time, one fresh process per run (spawned, so no state leaks between runs).
    A run whose process dies without answering, or whose devnet failed, is retried up to `retries` times;
    any other failure would repeat with the same seed and is reported at once."""

    runner: Runner
    workers: int = field(default_factory=default_workers)
    retries: int = 1
    target: Callable[[RunTask, Runner, Connection], None] = _worker_main

    def run(self, tasks: Sequence[RunTask], notify: Notify) -> Iterator[Outcome]:
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
                    if not error:
                        yield Outcome(task, "completed", summary, attempts=tries[task.id])
                    elif retryable and tries[task.id] <= self.retries:
                        notify(f"{task.id}: {error}; retrying (attempt {tries[task.id] + 1})")
                        queue.append(task)
                    else:
                        notify(f"{task.id}: {error}; giving up after {tries[task.id]} attempt(s)")
                        yield Outcome(task, "failed", summary, error, tries[task.id])
        finally:  # stopped early (Ctrl-C, an error in the caller): no worker or its devnet outlives the batch
            for _, process, _ in running.values():
                process.terminate()
            for _, process, receive in running.values():
                process.join(timeout=15)
                if process.is_alive():
                    process.kill()
                    process.join()
                receive.close()


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
    """Dask when a scheduler is given, else local processes (`workers` at a time, default half the CPUs)."""
    if scheduler:
        return DaskExecutor(scheduler, runner, retries)
    return LocalExecutor(runner, workers or default_workers(), retries)


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
