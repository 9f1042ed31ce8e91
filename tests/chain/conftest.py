"""The chain layer (``harness.chain``) without the model: the simulated beacon chain and
deploying the protocol with configuration overrides and test doubles.
"""
