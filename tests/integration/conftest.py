"""The real contracts with the world around them (beacon chain, honest oracle, model).

Live runs of the facade, the model against the contracts step by step, the
invariants and the machine's steps on the deployed protocol, and black-box
node-operator scenarios through ``deploy_protocol()`` as deployed.
"""
