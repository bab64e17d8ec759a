"""Fuzzing depth for every Hypothesis test in the repo, chosen once per run by CASCADE_FUZZ (`ci` or `deep`).

- `ci` (the default, `make test`): each state machine runs its own budget, sized by its cost per step on anvil so
  the whole suite stays well under CI's 20 minutes. Shrinking is on (it costs nothing on a green run, and
  Hypothesis stops shrinking after 5 minutes).
- `deep` (`make fuzz`): every state machine runs 1,000 examples of 50 steps, randomised, shrinking on.

Both check every invariant after every step: that is in the machines, not here. Use `run_machine` for a state
machine (it tallies the examples and steps it ran, printed at the end of the session) and `fuzz_settings` for a
`@given` test; a bare `@given` inherits the active Hypothesis profile. CASCADE_FUZZ_EXAMPLES=N lowers the deep
profile's examples for a time-boxed campaign (the summary says so).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, run_state_machine_as_test

PROFILE_VARIABLE = "CASCADE_FUZZ"
EXAMPLES_VARIABLE = "CASCADE_FUZZ_EXAMPLES"
DEEP_EXAMPLES = 1_000
DEEP_STEPS = 50

# Chain tests are slow by nature: a step is one or more transactions plus the invariants' reads.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


class FuzzProfileError(Exception):
    """CASCADE_FUZZ or CASCADE_FUZZ_EXAMPLES holds a value this module does not know."""


def profile_name() -> str:
    """The active profile: CASCADE_FUZZ, `ci` when unset."""
    name = os.environ.get(PROFILE_VARIABLE, "ci").strip() or "ci"
    if name not in ("ci", "deep"):
        raise FuzzProfileError(
            f"{PROFILE_VARIABLE}={name!r} is not a fuzzing profile: use `ci` (the default, what `make test` runs) "
            f"or `deep` (1,000 examples x 50 steps per state machine, what `make fuzz` runs)."
        )
    return name


def deep_examples() -> int:
    """Examples per state machine under `deep`: 1,000, or fewer when CASCADE_FUZZ_EXAMPLES says so."""
    raw = os.environ.get(EXAMPLES_VARIABLE, "").strip()
    if not raw:
        return DEEP_EXAMPLES
    if not raw.isdigit() or int(raw) < 1:
        raise FuzzProfileError(
            f"{EXAMPLES_VARIABLE}={raw!r} is not a positive whole number of examples; unset it for the full "
            f"{DEEP_EXAMPLES:,} or give e.g. {EXAMPLES_VARIABLE}=50 for a time-boxed deep run."
        )
    return int(raw)


def register() -> None:
    """Registers the `ci` and `deep` Hypothesis profiles and loads the active one (tests/conftest.py calls it)."""
    settings.register_profile("ci", deadline=None, suppress_health_check=_SLOW_IS_FINE, print_blob=True)
    settings.register_profile(
        "deep",
        deadline=None,
        suppress_health_check=_SLOW_IS_FINE,
        print_blob=True,
        max_examples=deep_examples(),
        stateful_step_count=DEEP_STEPS,
        derandomize=False,
        phases=list(Phase),
    )
    settings.load_profile(profile_name())


def fuzz_settings(*, ci_examples: int, ci_steps: int = 0, ci_derandomize: bool = False) -> settings:
    """Settings for one fuzz test under the active profile: under `ci` its own examples (and steps, for a state
    machine) and, where the caller gives a reason, a fixed seed; under `deep` the profile's depth, randomised."""
    if profile_name() == "deep":
        return settings(settings.get_profile("deep"))
    return settings(
        settings.get_profile("ci"),
        max_examples=ci_examples,
        stateful_step_count=ci_steps or settings.default.stateful_step_count,
        derandomize=ci_derandomize,
    )


@dataclass
class Tally:
    """What one state machine ran: examples (machines built, shrinking's included), steps, seconds."""

    machine: str
    profile: str
    max_examples: int
    max_steps: int
    examples: int = 0
    checks: int = 0  # invariant rounds: one before the first step of each example, one after every step
    seconds: float = 0.0

    @property
    def steps(self) -> int:
        return self.checks - self.examples


TALLIES: list[Tally] = []
_running: list[Tally] = []


class TalliedMachine(RuleBasedStateMachine):
    """Base of every state machine here: counts its examples and steps into the running tally."""

    def __init__(self) -> None:
        super().__init__()
        if _running:
            _running[-1].examples += 1

    @invariant(check_during_init=True)
    def tally_step(self) -> None:
        """Runs before the first step and after every step (Hypothesis checks invariants there)."""
        if _running:
            _running[-1].checks += 1


@contextmanager
def _tallying(tally: Tally) -> Iterator[Tally]:
    TALLIES.append(tally)
    _running.append(tally)
    start = perf_counter()
    try:
        yield tally
    finally:
        tally.seconds = perf_counter() - start
        _running.pop()


def run_machine(
    name: str,
    factory: Callable[[], TalliedMachine],
    *,
    ci_examples: int,
    ci_steps: int,
    ci_derandomize: bool = False,
) -> Tally:
    """Runs a state machine under the active profile (see fuzz_settings); returns and records what it ran."""
    chosen = fuzz_settings(ci_examples=ci_examples, ci_steps=ci_steps, ci_derandomize=ci_derandomize)
    tally = Tally(name, profile_name(), chosen.max_examples, chosen.stateful_step_count)
    with _tallying(tally):
        run_state_machine_as_test(factory, settings=chosen)
    return tally


def summary_lines() -> list[str]:
    """The end-of-session table: per machine, examples and steps run, and the time per step."""
    if not TALLIES:
        return []
    profile = TALLIES[0].profile
    limited = (
        " (examples lowered by " + EXAMPLES_VARIABLE + ")"
        if profile == "deep" and os.environ.get(EXAMPLES_VARIABLE, "").strip()
        else ""
    )
    lines = [
        f"fuzz profile {profile}{limited}: state machines, examples x steps run (budget), wall time",
        f"{'machine':<52} {'examples':>9} {'steps':>8} {'budget':>12} {'seconds':>9} {'s/step':>7}",
    ]
    for t in TALLIES:
        per_step = t.seconds / t.steps if t.steps else 0.0
        budget = f"{t.max_examples}x{t.max_steps}"
        lines.append(
            f"{t.machine:<52} {t.examples:>9,} {t.steps:>8,} {budget:>12} {t.seconds:>9.1f} {per_step:>7.3f}"
        )
    return lines
