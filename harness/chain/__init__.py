"""The chain: everything that runs on (or beside) the EVM.

The execution backends (titanoboa, revm) behind one interface
(:mod:`~harness.chain.backend`), compiling and deploying the contracts
(:mod:`~harness.chain.deploy`), the :class:`~harness.chain.protocol.Protocol`
facade with its one-line flows, the contract actors (a refuser, a
re-enterer), deposit data, revert reasons, the minipool status enum, and the
simulated beacon chain (:mod:`~harness.chain.beacon`): the consensus layer
the facade keeps in step with the EVM (deposits reach it from the deposit
contract's logs; its withdrawals credit EVM balances).

May import: :mod:`harness.units`, :mod:`harness.config`, and itself.
"""
