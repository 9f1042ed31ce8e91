"""deploy_protocol: configuration overrides, refused settings, and a copied contracts_dir.

Each deployment takes a few seconds, so this file deploys only four extra
protocols; the failures that are detected before anything is deployed cost
nothing.
"""

from __future__ import annotations

import shutil

import boa
import pytest

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from harness.config import ConfigError
from harness.units import ETH
from harness.world.deploy import deploy_protocol


def test_config_overrides_apply_settings_and_actors():
    p = deploy_protocol(
        config={
            "settings": {"deposit.pool.maximum": "1000 ether", "deposit.fee": "0.1%"},
            "actors": {"odao_members": 5, "depositors": 2},
        }
    )
    assert p.settings.getMaximumDepositPoolSize() == 1_000 * ETH
    assert p.settings.getDepositFee() == 10**15
    # settings from boa_config.toml that were not overridden are applied too
    assert p.settings.getMinimumDeposit() == ETH // 100
    assert p.settings.getNodeConsensusThreshold() == 51 * 10**16

    assert len(p.odao_members) == 5
    assert len(set(p.odao_members)) == 5
    assert p.odao.getMemberCount() == 5
    assert [p.odao.getMemberNonce(m) for m in p.odao_members] == [1, 2, 3, 4, 5]
    assert all(p.odao.getMemberIsValid(m) for m in p.odao_members)

    assert len(p.depositors) == 2
    for depositor in p.depositors:
        assert boa.env.get_balance(depositor) == 10_000 * ETH
    assert len(p.node_operators) == 4
    assert boa.env.get_balance(p.guardian) == 10_000 * ETH

    assert p.storage.getDeployedStatus() is True
    assert p.storage.guardian() == p.guardian
    for spec in NETWORK_CONTRACTS:
        assert p.storage.getAddress(spec.name) == getattr(p, spec.attr).address
    # a 5-member oDAO needs 3 votes (3/5 = 60% >= 51%, 2/5 = 40% < 51%)
    assert p.quorum_members() == p.odao_members[:3]
    assert p.config.source.endswith("+ overrides")


def test_out_of_bounds_setting_is_a_config_error_with_the_contracts_reason():
    with pytest.raises(ConfigError) as info:
        deploy_protocol(config={"settings": {"deposit.fee": "1%"}})
    message = str(info.value)
    assert "[settings] 'deposit.fee' = 10000000000000000" in message
    assert "(settings: deposit fee must be below 1%)" in message
    assert message.endswith("use a known path and a value within its bounds")


def test_unknown_setting_path_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        deploy_protocol(config={"settings": {"deposit.no.such.setting": "1 ether"}})
    message = str(info.value)
    assert "[settings] 'deposit.no.such.setting'" in message
    assert "(settings: unknown numeric setting)" in message


def test_unreadable_setting_fails_before_deploying():
    with pytest.raises(ConfigError, match=r"\[settings\] 'deposit.fee'"):
        deploy_protocol(config={"settings": {"deposit.fee": "1 banana"}})


def test_a_copy_of_contracts_dir_deploys_and_works(tmp_path):
    contracts = tmp_path / "contracts"
    shutil.copytree(DEFAULT_CONTRACTS_DIR, contracts)
    p = deploy_protocol(contracts_dir=contracts)
    assert p.contracts_dir == contracts
    assert p.storage.getAddress("rocketDepositPool") == p.deposit_pool.address
    depositor = p.depositors[0]
    minted = p.deposit(depositor, "1")
    # 0.05% fee, rate 1:1 before any report
    assert minted == 9995 * 10**14
    assert p.reth.balanceOf(depositor) == 9995 * 10**14
    assert p.deposit_pool.getBalance() == ETH


def test_missing_contracts_dir_is_a_config_error(tmp_path):
    missing = tmp_path / "no_contracts_here"
    with pytest.raises(ConfigError) as info:
        deploy_protocol(contracts_dir=missing)
    message = str(info.value)
    # the file, then the fix (whose wording the CLI shares)
    assert message.startswith(f"{missing}: not a directory; ")
    assert "contracts_dir" in message
    assert message.endswith("a copy of contracts/")


def test_contracts_dir_missing_a_source_is_a_config_error(tmp_path):
    contracts = tmp_path / "contracts"
    shutil.copytree(DEFAULT_CONTRACTS_DIR, contracts)
    (contracts / "RocketStorage.vy").unlink()
    with pytest.raises(ConfigError) as info:
        deploy_protocol(contracts_dir=contracts)
    message = str(info.value)
    assert message.startswith(f"{contracts / 'RocketStorage.vy'}: contract source not found; ")
    assert "a copy of contracts/" in message
