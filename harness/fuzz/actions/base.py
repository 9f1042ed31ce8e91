"""The declaration type of an action, and the two registries the area modules fill.

An :class:`Action` says, once, everything the harness needs to know about one
user action:

- ``name``: the step's rule name (``{"rule": name, "args": {...}}``) and the
  checked facade's method (``cp.<name>(...)``);
- ``step(ctx, **args)``: the step, its arguments as recorded (role names,
  minipool indices, wei), resolved on a :class:`~harness.fuzz.steps.StepContext`
  and performed; its signature is the vocabulary replay files are checked
  against;
- ``expect(model, cp, **kw)``: what the model predicts (an
  :class:`~harness.model.Expect`: success, or the exact revert reason, and
  the values it must move), and ``call(p, **kw)``: the facade call; the
  parameters of ``call`` after ``p`` are the facade method's;
- ``values(result)``: the values of a successful call to compare with the
  prediction's;
- or, for flows that need more than one call, ``flow(cp, ...)``: the whole
  checked flow, written in the action's own module;
- ``entries``: the contract entry points (``"node_manager.registerNode"``) the
  action calls itself, as their legitimate caller. Entry points that only
  other contracts call are reached through these actions' flows and listed,
  with the actions that reach them, in :data:`harness.fuzz.actions.access.REACHED`;
  ``tests/fuzz/test_entry_points.py`` checks both against the ABIs, and that
  each declared entry is really called.

How the machine draws an action (its rule, with its Hypothesis strategies and
precondition) sits next to the declaration: :func:`machine_rule` registers the
rule in :data:`RULES`, which the machine takes its rules from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.units import to_wei

# Every declared action, by name: the step vocabulary.
ACTIONS: dict[str, Action] = {}
# The machine's rules declared next to the actions they draw, by attribute name.
RULES: dict[str, Callable[..., None]] = {}


@dataclass
class Action:
    """One user action: its step, its model prediction and facade call (or its flow)."""

    name: str
    step: Callable[..., Any]
    expect: Callable[..., Any] | None = None
    call: Callable[..., Any] | None = None
    values: Callable[[Any], dict[str, int]] | None = None
    flow: Callable[..., Any] | None = None
    # Facade arguments given as wei or ETH (``to_wei``): ``cp.deposit(a, "10")`` is 10 ETH.
    wei: tuple[str, ...] = ()
    # Contract entry points ("contract.function") the action calls as their legitimate caller.
    entries: tuple[str, ...] = ()
    _signature: inspect.Signature | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.call is not None:
            self._signature = inspect.signature(self.call)

    @property
    def checked(self) -> bool:
        """Whether the checked facade performs this action (else it is a step only)."""
        return self.flow is not None or self.call is not None

    @property
    def parameters(self) -> list[inspect.Parameter]:
        """The step's parameters (after ``ctx``): what a recorded step's ``args`` hold."""
        return list(inspect.signature(self.step).parameters.values())[1:]

    def perform(self, cp: Any, *args: Any, **kwargs: Any) -> Any:
        """Run the action on the checked facade ``cp``: predict, call, compare."""
        if self.flow is not None:
            return self.flow(cp, *args, **kwargs)
        if self._signature is None:
            raise TypeError(f"{self.name} is a step only: run it with execute()")
        kw = self._arguments(args, kwargs)
        expect = self.expect(cp.model, cp, **kw)
        expect, result = cp.run(self.name, expect, lambda: self.call(cp.p, **kw))
        if expect.ok and self.values is not None:
            cp.check_values(self.name, expect, self.values(result))
        return expect

    def _arguments(self, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
        bound = self._signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        kw = dict(list(bound.arguments.items())[1:])  # after p
        for name in self.wei:
            kw[name] = to_wei(kw[name])
        return kw


def declare(action: Action) -> Action:
    """Add ``action`` to :data:`ACTIONS` (a name declared twice is a mistake)."""
    if action.name in ACTIONS:
        raise ValueError(f"action {action.name!r} is declared twice")
    ACTIONS[action.name] = action
    return action


def machine_rule(fn: Callable[..., None]) -> Callable[..., None]:
    """Register a Hypothesis rule (``@rule``-decorated, below this) as the machine's rule.

    The function takes the machine as ``self`` and becomes the machine's
    attribute of the function's name. Hypothesis orders rules by their
    argument count and then by that name, so a seed draws the same steps
    wherever the rule is written.
    """
    if fn.__name__ in RULES:
        raise ValueError(f"machine rule {fn.__name__!r} is declared twice")
    RULES[fn.__name__] = fn
    return fn
