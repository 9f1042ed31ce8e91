"""Fuzzing: the actions, the checked facade, the views, the stateful machine.

Each action is declared once, in an area module of :mod:`~harness.fuzz.actions`:
its step, the model's prediction, the facade call and the machine rule that
draws it. Steps are plain data (:mod:`~harness.fuzz.steps`); the checked
facade (:mod:`~harness.fuzz.checked`) runs an action on the contracts and
the model and compares outcomes; views (:mod:`~harness.fuzz.views`) compare
every read-only entry point with the model, and after each successful step
the ones it can change are read (:mod:`~harness.fuzz.followups`); the Hypothesis machine
(:mod:`~harness.fuzz.machine`) draws steps; the invariant runner
(:mod:`~harness.fuzz.invariant_runner`) checks :mod:`invariants` after each.

May import: :mod:`invariants`, :mod:`harness.model`, :mod:`harness.world`,
:mod:`harness.chain`, :mod:`harness.units`, :mod:`harness.config`, and itself.
"""
