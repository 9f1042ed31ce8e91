"""The fuzzing layer (``harness.fuzz``): the campaign machine, the checked facade's own
failures, and a clean campaign on the shipped contracts that must raise no alarm.
"""
