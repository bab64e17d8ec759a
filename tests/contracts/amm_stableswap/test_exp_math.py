"""ExpMath.expWad (NG's EMA `exp`) against the mirror bit for bit, and the mirror against e^x in 60-digit decimals."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.mirrors.stableswap_math import MAX_EXPONENT, MIN_EXPONENT, exp_wad

WAD = 10**18


@pytest.fixture(scope="module")
def math(project: Any, deployer: Any) -> Any:
    return project.TestMath.deploy(sender=deployer)


def exact(x: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(x) / WAD).exp() * WAD


def test_known_values() -> None:
    assert exp_wad(0) == WAD
    assert exp_wad(WAD) == 2_718_281_828_459_045_235  # e = 2.718281828459045235360...
    assert exp_wad(-WAD) == 367_879_441_171_442_321  # 1/e = 0.367879441171442321595...
    assert exp_wad(MIN_EXPONENT) == 0 and exp_wad(MIN_EXPONENT + 1) > 0


@given(x=st.integers(-3 * WAD, 130 * WAD))
def test_the_mirror_is_e_to_the_x_within_two_parts_in_1e17(x: int) -> None:
    assert abs(Decimal(exp_wad(x)) - exact(x)) <= exact(x) * Decimal("2e-17") + 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.one_of(st.integers(MIN_EXPONENT - 10, MAX_EXPONENT - 1), st.integers(-50 * WAD, 5 * WAD)))
def test_the_contract_equals_the_mirror(math: Any, x: int) -> None:
    assert math.expWad(x) == exp_wad(x)


def test_the_contract_refuses_an_overflowing_exponent(math: Any) -> None:
    with ape.reverts(math.ExpOverflow):
        math.expWad(MAX_EXPONENT)
