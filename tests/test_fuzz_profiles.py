"""The fuzz profiles: `deep` is at least 1,000 examples x 50 steps, randomised and shrinking, whatever a machine's
CI budget says; `ci` keeps each machine's own budget; bad values of the variables are refused by name."""

from __future__ import annotations

import pytest
from hypothesis import Phase

from tests import fuzz_profiles


def test_deep_overrides_every_ci_budget_and_fixed_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASCADE_FUZZ", "deep")
    monkeypatch.delenv("CASCADE_FUZZ_EXAMPLES", raising=False)
    fuzz_profiles.register()
    try:
        chosen = fuzz_profiles.fuzz_settings(ci_examples=6, ci_steps=12, ci_derandomize=True)
        assert (chosen.max_examples, chosen.stateful_step_count) == (1_000, 50)
        assert not chosen.derandomize
        assert Phase.shrink in chosen.phases
        assert chosen.deadline is None
    finally:
        monkeypatch.setenv("CASCADE_FUZZ", "ci")
        fuzz_profiles.register()


def test_ci_keeps_each_machines_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASCADE_FUZZ", "ci")
    chosen = fuzz_profiles.fuzz_settings(ci_examples=6, ci_steps=12, ci_derandomize=True)
    assert (chosen.max_examples, chosen.stateful_step_count, chosen.derandomize) == (6, 12, True)
    assert Phase.shrink in chosen.phases


def test_examples_can_be_lowered_for_a_time_boxed_deep_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASCADE_FUZZ_EXAMPLES", "25")
    assert fuzz_profiles.deep_examples() == 25


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CASCADE_FUZZ", "Deep", "CASCADE_FUZZ='Deep'"),
        ("CASCADE_FUZZ_EXAMPLES", "-3", "CASCADE_FUZZ_EXAMPLES='-3'"),
    ],
)
def test_bad_values_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv("CASCADE_FUZZ", "deep")
    monkeypatch.setenv(variable, value)
    with pytest.raises(fuzz_profiles.FuzzProfileError, match=named):
        fuzz_profiles.register()
