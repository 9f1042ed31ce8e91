"""The figures of a replay after each step, on the chain and in the model, and where they part.

A failing invariant names a symptom; the step that made the state wrong is
often earlier (the invariants wait for a rule's end, and some figures are
only compared with the model by a later check). :class:`FigureTrace`,
passed as ``on_step`` to :func:`harness.replay.session.run_steps`, reads
after every step the figures the report plots, twice: from the chain (the
views the contracts answer, and each minipool's ETH balance) and from the
model (what the rules say those views return, as
:data:`harness.fuzz.views.VIEWS` predicts them). :func:`first_divergence`
names the first step after which any of them differ.

Figures are keyed ``rate``, ``supply``, ``collateral``, ``pool`` (wei) and
``minipool_N.eth`` (wei), ``minipool_N.status`` (a
:class:`~harness.chain.status.MinipoolStatus` value) for the N-th minipool
created. A value that cannot be read (a view that reverts, a minipool the
model does not know) is ``None`` and never counts as a divergence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.chain.status import MinipoolStatus
from harness.model import norm
from harness.replay.display import fmt_args
from harness.replay.session import ReplaySession, StepResult
from harness.units import ONE, fmt_eth

# The protocol-wide figures: (key, label, chain read, model prediction).
GLOBAL: tuple[tuple[str, str, Callable[[Any], int], Callable[[Any], int]], ...] = (
    (
        "rate",
        "rETH rate (ETH per rETH)",
        lambda p: p.reth.getExchangeRate(),
        lambda m: m.eth_value(ONE),
    ),
    ("supply", "rETH supply", lambda p: p.reth.totalSupply(), lambda m: m.reth_supply),
    (
        "collateral",
        "rETH collateral",
        lambda p: p.reth.getTotalCollateral(),
        lambda m: m.excess_balance() + m.reth_eth,
    ),
    (
        "pool",
        "deposit pool balance",
        lambda p: p.deposit_pool.getBalance(),
        lambda m: m.pool_balance,
    ),
)

LABELS = {key: label for key, label, _, _ in GLOBAL}

__all__ = ["GLOBAL", "Divergence", "FigureTrace", "Figures", "first_divergence", "label"]


def label(key: str) -> str:
    """A figure's name as a reader says it: ``minipool_0.eth`` is "minipool 0's ETH balance"."""
    if key in LABELS:
        return LABELS[key]
    name, _, what = key.partition(".")
    index = name.removeprefix("minipool_")
    return f"minipool {index}'s " + ("ETH balance" if what == "eth" else "status")


def shown(key: str, value: int | None) -> str:
    """A figure's value: ETH amounts in ETH (exact to the wei), a status by name."""
    if value is None:
        return "unknown"
    if key.endswith(".status"):
        try:
            return MinipoolStatus(value).name.lower()
        except ValueError:
            return str(value)
    return f"{fmt_eth(value, places=18)} ETH"


def _read(read: Callable[[], Any]) -> int | None:
    # A view that reverts, or a model that cannot answer, is an unknown figure.
    try:
        return int(read())
    except Exception:  # noqa: BLE001 - any failure to read is "unknown", shown as such
        return None


@dataclass
class Figures:
    """The figures after one step: ``chain`` as read, ``model`` as the rules predict them."""

    index: int
    chain: dict[str, int | None] = field(default_factory=dict)
    model: dict[str, int | None] = field(default_factory=dict)

    def differences(self) -> list[str]:
        """The keys whose chain and model values are both known and differ, in order."""
        return [
            key
            for key, value in self.chain.items()
            if value is not None and self.model.get(key) is not None and value != self.model[key]
        ]


@dataclass(frozen=True)
class Divergence:
    """The first step after which the chain's figures and the model's differ."""

    step: StepResult
    keys: tuple[str, ...]
    figures: Figures

    def rows(self) -> list[tuple[str, str, str]]:
        """``(figure, model, chain)`` for each figure that differs."""
        return [
            (label(k), shown(k, self.figures.model[k]), shown(k, self.figures.chain[k]))
            for k in self.keys
        ]

    def sentence(self, failing: StepResult | None) -> str:
        """What it means, in one sentence, against the failing step (if one failed)."""
        call = f"{self.step.rule} {fmt_args(self.step.rule, self.step.args)}".strip()
        figures = ", ".join(
            f"{label(k)} (model {shown(k, self.figures.model[k])}, chain "
            f"{shown(k, self.figures.chain[k])})"
            for k in self.keys
        )
        where = f"step {self.step.index} ({call})"
        if failing is not None and failing.index == self.step.index:
            return (
                f"The model's and the chain's figures agreed after every earlier step; they "
                f"first differ after the failing {where}: {figures}."
            )
        if failing is not None:
            return (
                f"The state went wrong before the failing step {failing.index}: the model's and "
                f"the chain's figures first differ after {where}: {figures}."
            )
        return f"The model's and the chain's figures first differ after {where}: {figures}."


class FigureTrace:
    """Reads the figures after each replayed step; pass it as ``run_steps(on_step=...)``.

    ``before`` holds the figures before the first step; ``after[i]`` those
    after step ``i``.
    """

    def __init__(self, session: ReplaySession) -> None:
        self.session = session
        self.before = self._read(-1)
        self.after: list[Figures] = []

    def __call__(self, step: StepResult) -> None:
        self.after.append(self._read(step.index))

    @property
    def minipools(self) -> int:
        """How many minipools were created by the end (the plots' minipool rows)."""
        last = self.after[-1] if self.after else self.before
        return sum(1 for key in last.chain if key.endswith(".status"))

    def series(self, key: str, source: str = "chain") -> list[int | None]:
        """``key``'s value before the first step, then after each step (``chain`` or ``model``)."""
        return [getattr(f, source).get(key) for f in (self.before, *self.after)]

    def _read(self, index: int) -> Figures:
        p, model = self.session.p, self.session.model
        figures = Figures(index)
        for key, _, chain, predicted in GLOBAL:
            figures.chain[key] = _read(lambda chain=chain: chain(p))
            figures.model[key] = _read(lambda predicted=predicted: predicted(model))
        for n, address in enumerate(self.session.ctx.minipools):
            record = model.minipools.get(norm(address)) if model is not None else None
            figures.chain[f"minipool_{n}.eth"] = _read(lambda a=address: p.balance(a))
            figures.model[f"minipool_{n}.eth"] = None if record is None else record.eth
            figures.chain[f"minipool_{n}.status"] = _read(
                lambda a=address: p.minipool_at(a).getStatus()
            )
            figures.model[f"minipool_{n}.status"] = None if record is None else int(record.status)
        return figures


def first_divergence(trace: FigureTrace, steps: list[StepResult]) -> Divergence | None:
    """The first step after which a figure differs between chain and model; None if none did."""
    for figures, step in zip(trace.after, steps, strict=False):
        keys = figures.differences()
        if keys:
            return Divergence(step, tuple(keys), figures)
    return None
