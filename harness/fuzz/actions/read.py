"""Reading the protocol's public views: the ``read_view`` step and the rule that draws it.

The view table, and what each view must return, is :mod:`harness.fuzz.views`;
this module declares the step and how the machine picks views to read.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.fuzz import views as view_table
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.fuzz.views import VIEW_CONTRACTS, VIEW_NAMES, view_args

# A step only: a view changes nothing, so the checked facade has no call to make.
declare(Action("read_view", step=lambda ctx, view, **args: view_table.read_view(ctx, view, args)))


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(data=st.data())
def read_view(self, data) -> None:
    """Anyone reads a public view, every view of a contract, or every view there is.

    Six times in eight the contract first, then one of its views, so
    each contract is read as often. Once in eight every view of the
    contract of a view drawn from all of them (about 200): contracts
    with many views (the minipool's, the settings') are swept more
    often, so that none is left unread for long. And once in eight
    every view of every contract, each with its own drawn arguments: a
    campaign on titanoboa (coverage) runs a few thousand rules, in which
    a view with no follow-up read was otherwise never entered. The views
    a step can change are also read right after it
    (:mod:`harness.fuzz.followups`).
    """
    scope = data.draw(st.sampled_from(["one"] * 6 + ["contract", "all"]), label="every view")
    _read(self, data, scope)


def _read(self, data, scope: str) -> None:
    """Read one view (``"one"``), a contract's (``"contract"``) or every view (``"all"``)."""
    if scope == "all":
        views = list(VIEW_NAMES)
    else:
        if scope == "contract":
            contract = data.draw(st.sampled_from(VIEW_NAMES), label="of").split(".")[0]
        else:
            contract = data.draw(st.sampled_from(VIEW_CONTRACTS), label="contract")
        views = [v for v in VIEW_NAMES if v.startswith(contract + ".")]
        if scope == "one":
            views = [data.draw(st.sampled_from(views), label="view")]
    for view in views:
        args = view_args(
            view,
            list(self.ctx.actors),
            len(self.ctx.minipools),
            len(self.model.lots),
            lambda s, label: data.draw(s, label=label),
        )
        if args is not None:
            self.do("read_view", view=view, **args)


@machine_rule
@precondition(lambda self: not getattr(self, "read_every_view_done", False))
@rule(data=st.data())
def read_every_view(self, data) -> None:
    """Once an example, at a moment Hypothesis draws: every view, each with drawn arguments.

    The ``read_view`` rule alone, drawn a few dozen times in a 10-minute
    campaign on titanoboa, left views never entered; this rule, one among
    some fifty, comes once in most examples.
    """
    self.read_every_view_done = True
    _read(self, data, "all")
