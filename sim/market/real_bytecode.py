"""Real protocols' bytecode in a scenario: a constant-product pool that says `implementation: uniswap_v2` is a
pair of the real Uniswap v2 factory (npm `@uniswap/v2-core`, the mainnet bytecode), traded through our router."""

from __future__ import annotations

from sim.node.abi import ContractAbi
from sim.node.contracts import Deployer, Handle
from sim.node.npm_artifacts import uniswap_v2

# Market.contracts keys of each implementation's factory and the router in front of it.
CONSTANT_PRODUCT = {
    "ours": ("factory", "router"),
    "uniswap_v2": ("factory:uniswap_v2", "router:uniswap_v2"),
}


def deploy_uniswap_v2(deployer: Deployer, fee_to_setter: bytes) -> dict[str, Handle]:
    """Queues the real Uniswap v2 factory and our router in front of it; returns them by Market.contracts key."""
    factory_key, router_key = CONSTANT_PRODUCT["uniswap_v2"]
    real = uniswap_v2("UniswapV2Factory")
    code = real.bytecode + ContractAbi.from_abi(real.abi).encode_constructor(fee_to_setter)
    # Handled with our factory's ABI: the real one has the same functions (tests/contracts/test_real_interfaces.py).
    factory = deployer.deploy_code(factory_key, "ConstantProductFactory", code)
    return {
        factory_key: factory,
        router_key: deployer.deploy(router_key, "ConstantProductRouter", factory.address),
    }
