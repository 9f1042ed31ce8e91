"""The world around the contracts: the honest oDAO, and the world deployed.

:class:`~harness.world.oracle.HonestOracle` computes truthful reports and
keeps the oDAO's off-chain watch; :func:`~harness.world.deploy.deploy_protocol`
deploys contracts, beacon chain and oracle together, and
:func:`~harness.world.deploy.shared_protocol` keeps one deployment per process.

May import: :mod:`harness.chain`, :mod:`harness.units`, :mod:`harness.config`, and itself.
"""
