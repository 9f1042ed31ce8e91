"""Compiling, deploying and wiring the contracts: :func:`deploy_contracts`.

The whole simulated world (these contracts, the beacon chain and the honest
oDAO) is :func:`harness.world.deploy.deploy_protocol`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vyper
from vyper.exceptions import VyperException

from harness.chain import backend
from harness.chain.beacon import BeaconChain
from harness.chain.protocol import Protocol
from harness.chain.reverts import revert_reason
from harness.config import PROJECT_ROOT, Config, ConfigError, load_config

DEFAULT_CONTRACTS_DIR = PROJECT_ROOT / "contracts"


class CompileError(ConfigError):
    """A contract source the Vyper compiler refuses: ``path``, ``line`` and its message.

    A :class:`ConfigError`, so the command line answers it with exit code 2
    (the sources are the user's input), printed as the compiler wrote it.
    """

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line = path, line
        super().__init__(message)


# Vyper locates an error as `contract "path:line"`, in each error of a list too.
_VYPER_LOCATION = re.compile(r'contract "(?P<path>[^"]+?):(?P<line>\d+)"')


def compile_error(exc: VyperException, compiling: Path) -> CompileError:
    """The compiler's error while compiling ``compiling``, as a :class:`CompileError`.

    Names the file the error is in (an imported module's, when it is there),
    its line, the error's kind and message, and keeps the compiler's source
    excerpt with its ``--->`` marker.
    """
    text = str(exc).strip()
    path, line = compiling, None
    node = (exc.annotations or [None])[0]
    module = getattr(node, "module_node", None)
    if getattr(module, "resolved_path", None):
        path, line = Path(module.resolved_path), getattr(node, "lineno", None)
    elif match := _VYPER_LOCATION.search(text):
        path, line = Path(match["path"]), int(match["line"])
    if line is None:
        line = getattr(node, "lineno", None) or exc.lineno
    with_cwd = Path(os.path.abspath(path))
    shown = os.path.relpath(with_cwd) if with_cwd.is_relative_to(Path.cwd()) else str(with_cwd)
    headline, _, excerpt = text.partition("\n")
    # A syntax error repeats the line as "(<unknown>, line 39)": said once, in front.
    headline = re.sub(r" \(<unknown>, line \d+\)$", "", headline)
    where = f"{shown}:{line}" if line else shown
    origin = "" if with_cwd == Path(os.path.abspath(compiling)) else f" (imported by {compiling})"
    excerpt = "\n".join(line.rstrip() for line in excerpt.strip("\n").splitlines())
    message = (
        f"{where}: the contract does not compile{origin}: {type(exc).__name__}: {headline}\n"
        f"{excerpt}\n"
        "fix the source, or point --contracts (RPFUZZ_CONTRACTS for an emitted test) at "
        "sources that compile"
    )
    return CompileError(with_cwd, line, message)


@dataclass(frozen=True)
class ContractSpec:
    """One deployable of the protocol.

    ``name`` is its name in the directory (RocketStorage); ``attr`` the facade
    attribute; ``kind`` says how it is built: ``"network"`` takes the
    directory's address as its only constructor argument, ``"plain"`` takes
    none, ``"blueprint"`` is deployed as an EIP-5202 blueprint that another
    contract copies.
    """

    name: str
    source: str
    attr: str
    kind: str = "network"


# Deployment order; every contract looks its peers up lazily, so the order
# only matters for readability. The directory itself comes first, always.
NETWORK_CONTRACTS: tuple[ContractSpec, ...] = (
    ContractSpec("rocketVault", "RocketVault.vy", "vault"),
    ContractSpec("rocketDAOProtocolSettings", "RocketDAOProtocolSettings.vy", "settings"),
    ContractSpec("rocketDAONodeTrusted", "RocketDAONodeTrusted.vy", "odao"),
    ContractSpec("rocketNetworkBalances", "RocketNetworkBalances.vy", "network_balances"),
    ContractSpec("rocketNetworkPrices", "RocketNetworkPrices.vy", "network_prices"),
    ContractSpec("rocketTokenRETH", "RocketTokenRETH.vy", "reth"),
    ContractSpec("rocketDepositPool", "RocketDepositPool.vy", "deposit_pool"),
    ContractSpec("rocketMinipoolQueue", "RocketMinipoolQueue.vy", "minipool_queue"),
    ContractSpec("rocketTokenRPL", "RocketTokenRPL.vy", "rpl"),
    ContractSpec("rocketNodeStaking", "RocketNodeStaking.vy", "node_staking"),
    ContractSpec("rocketAuctionManager", "RocketAuctionManager.vy", "auction_manager"),
    ContractSpec("casperDeposit", "DepositContract.vy", "deposit_contract", kind="plain"),
    ContractSpec("rocketNodeManager", "RocketNodeManager.vy", "node_manager"),
    ContractSpec("rocketNodeDeposit", "RocketNodeDeposit.vy", "node_deposit"),
    ContractSpec("rocketMinipoolManager", "RocketMinipoolManager.vy", "minipool_manager"),
    ContractSpec("rocketMinipoolBondReducer", "RocketMinipoolBondReducer.vy", "bond_reducer"),
    # Each node's fee distributor is a minimal proxy to the delegate, made by
    # the factory when the node registers (the node manager asks for it).
    ContractSpec(
        "rocketNodeDistributorFactory", "RocketNodeDistributorFactory.vy", "distributor_factory"
    ),
    ContractSpec(
        "rocketNodeDistributorDelegate", "RocketNodeDistributorDelegate.vy", "distributor_delegate"
    ),
    # Every minipool is a copy of this blueprint, made by the minipool manager.
    ContractSpec("rocketMinipoolBase", "RocketMinipool.vy", "minipool_base", kind="blueprint"),
    # MEV-theft penalties: the oDAO's votes, and each minipool's rate with the
    # guardian's cap (set from `[penalties] max_rate` below).
    ContractSpec("rocketNetworkPenalties", "RocketNetworkPenalties.vy", "network_penalties"),
    ContractSpec("rocketMinipoolPenalty", "RocketMinipoolPenalty.vy", "minipool_penalty"),
)


def _with_replacements(
    specs: tuple[ContractSpec, ...], replace: dict[str, str | Path]
) -> list[ContractSpec]:
    out = []
    for spec in specs:
        if spec.name in replace:
            # Keep the kind: a double of a plain contract or blueprint is built the same way.
            spec = ContractSpec(
                spec.name, str(Path(replace[spec.name]).resolve()), spec.attr, spec.kind
            )
        out.append(spec)
    known = {spec.name for spec in specs}
    for name, source in replace.items():
        if name not in known:
            out.append(ContractSpec(name, str(Path(source).resolve()), name))
    return out


def _compile(chain: Any, contracts_dir: Path, source: str):
    path = contracts_dir / source
    if not path.is_file():
        raise ConfigError(
            f"{path}: contract source not found; point contracts_dir at a copy of contracts/ "
            "that has every file"
        )
    # Compiled once and cached on disk by titanoboa (keyed on the source and
    # its imports), on either backend, so a second process skips compiling.
    try:
        return chain.load(path)
    except VyperException as exc:
        raise compile_error(exc, path) from None
    except Exception as exc:
        # Not the compiler's own error: titanoboa fetching another compiler for a
        # `# pragma version` this one does not satisfy, an unreadable file, ...
        first = next((line for line in str(exc).splitlines() if line.strip()), "")
        raise CompileError(
            path,
            None,
            f"{path}: could not be compiled ({type(exc).__name__}: {first[:200]}); check its "
            f"`# pragma version` (rpfuzz compiles with vyper {vyper.__version__}) and its "
            "imports, or point --contracts at sources that compile",
        ) from exc


def deploy_contracts(
    config: Config | dict | str | Path | None = None,
    contracts_dir: str | Path | None = None,
    replace: dict[str, str | Path] | None = None,
    chain: Any = None,
) -> Protocol:
    """Compile, deploy and wire every contract, fund the actors, return the facade.

    The facade comes with its simulated beacon chain and without an oracle
    (:func:`harness.world.deploy.deploy_protocol` attaches the honest oDAO).

    ``config`` is a :class:`~harness.config.Config`, a path to a TOML file, a
    dict of overrides merged over ``boa_config.toml`` (for example
    ``{"settings": {"deposit.pool.maximum": "1000 ether"}, "actors": {"odao_members": 5}}``),
    or ``None``. ``contracts_dir`` points at a (possibly patched) copy of
    ``contracts/``; the default is the project's own.

    ``replace`` maps directory names to test doubles: ``{"rocketMinipoolManager":
    "contracts/mocks/MockMinipoolManager.vy"}`` deploys the double (constructor
    taking the directory's address) under that name instead; a name not in the
    protocol's table is added, as facade attribute of the same name.

    The guardian deploys everything, registers each contract in the
    directory, applies the configured settings, adds the oDAO members, then
    locks the directory.

    ``chain`` is the EVM to deploy on (see :mod:`harness.chain.backend`); the
    default is the active backend's, titanoboa's unless one was chosen.
    """
    cfg = load_config(config)
    cdir = Path(contracts_dir) if contracts_dir else DEFAULT_CONTRACTS_DIR
    if not cdir.is_dir():
        raise ConfigError(
            f"{cdir}: not a directory; point --contracts (or contracts_dir=) "
            "at a copy of contracts/"
        )

    env = chain if chain is not None else backend.active_chain()
    guardian = env.generate_address("guardian")
    odao_members = [env.generate_address(f"odao_member_{i}") for i in range(cfg.odao_members)]
    depositors = [env.generate_address(f"depositor_{i}") for i in range(cfg.depositors)]
    node_operators = [env.generate_address(f"node_operator_{i}") for i in range(cfg.node_operators)]
    for actor in [guardian, *odao_members, *depositors, *node_operators]:
        env.set_balance(actor, cfg.eth_per_actor)

    specs = _with_replacements(NETWORK_CONTRACTS, replace or {})
    contracts = {}
    with env.prank(guardian):
        storage = _compile(env, cdir, "RocketStorage.vy").deploy()
        for spec in specs:
            deployer = _compile(env, cdir, spec.source)
            if spec.kind == "network":
                contract = deployer.deploy(storage.address)
            elif spec.kind == "plain":
                contract = deployer.deploy()
            elif spec.kind == "blueprint":
                contract = deployer.deploy_as_blueprint()
            else:  # pragma: no cover - a programming error in the table above
                raise ValueError(f"unknown contract kind {spec.kind!r}")
            storage.setContract(spec.name, contract.address)
            contracts[spec.attr] = contract

        settings = contracts["settings"]
        for path, value in cfg.settings.items():
            try:
                if isinstance(value, bool):
                    settings.setSettingBool(path, value)
                else:
                    settings.setSettingUint(path, value)
            except backend.Reverted as exc:
                raise ConfigError(
                    f"{cfg.source}: [settings] {path!r} = {value!r} was refused by the "
                    f"settings contract ({revert_reason(exc)}); use a known path and a value "
                    "within its bounds"
                ) from exc
        for member in odao_members:
            contracts["odao"].addMember(member)
        # The reference leaves the cap at 0 (no penalty bites) until the guardian
        # sets it; this deployment's guardian sets it once, from the configuration.
        if cfg.penalties.max_rate and "minipool_penalty" in contracts:
            contracts["minipool_penalty"].setMaxPenaltyRate(cfg.penalties.max_rate)
        storage.setDeployedStatus()

    protocol = Protocol(
        storage=storage,
        contracts=contracts,
        guardian=guardian,
        odao_members=odao_members,
        depositors=depositors,
        node_operators=node_operators,
        config=cfg,
        contracts_dir=cdir,
        chain=env,
    )
    # A closure over the facade, so a withdrawal also reaches an attached model.
    protocol.beacon = BeaconChain(
        cfg.beacon,
        credit=lambda a, w: protocol.beacon_credit(a, w),
        fee_recipient=lambda v: protocol.fee_recipient(v),
        proposals_config=cfg.proposals,
    )
    protocol.beacon.now = protocol.beacon.last_sweep = protocol.now()
    return protocol
