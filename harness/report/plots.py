"""The pages' plots, drawn by matplotlib (Agg, saved as SVG) and returned as inline SVG text.

matplotlib is imported here only, and this module only when a page is
written, so ``rpfuzz`` without ``--html`` never loads it. Text is drawn as
paths (``svg.fonttype = "path"``): the page needs no font to show it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
from matplotlib.ticker import MaxNLocator  # noqa: E402

from harness.chain.status import MinipoolStatus  # noqa: E402
from harness.report.figures import GLOBAL, FigureTrace  # noqa: E402
from harness.units import WEI_PER_ETH  # noqa: E402

FAILED = "#b3261e"
DIVERGED = "#c98a00"
CHAIN = "#1f5fbf"
MODEL = "#7a8599"

__all__ = ["replay_plots", "steps_per_second_plot", "svg"]


def svg(fig: Any) -> str:
    """``fig`` as SVG text to inline in a page (no XML prolog), and closed."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    # The RDF metadata block (creator, date) names addresses a reader might take for fetches.
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return text[text.index("<svg") :]


def _eth(values: Sequence[int | None]) -> list[float]:
    return [float("nan") if v is None else v / WEI_PER_ETH for v in values]


def _marks(ax: Any, failed: int | None, diverged: int | None) -> None:
    if diverged is not None and diverged != failed:
        ax.axvline(diverged, color=DIVERGED, linestyle="--", linewidth=1.5, label="diverged")
    if failed is not None:
        ax.axvline(failed, color=FAILED, linewidth=1.5, label="failed")


def replay_plots(trace: FigureTrace, failed: int | None, diverged: int | None) -> str:
    """One SVG: the headline figures over the steps, then each minipool's balance and status.

    The chain's values are solid, the model's dashed; the failing step has a
    red line, the first divergence (when earlier) an amber dashed one. x is
    the step after which the value was read (-1: before the first step).
    """
    x = list(range(-1, len(trace.after)))
    minipools = trace.minipools
    panels = len(GLOBAL) + (2 if minipools else 0)
    cols = 2
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax, (key, label, _, _) in zip(flat, GLOBAL, strict=False):
        ax.plot(x, _eth(trace.series(key)), color=CHAIN, drawstyle="steps-post", label="chain")
        ax.plot(
            x,
            _eth(trace.series(key, "model")),
            color=MODEL,
            linestyle=(0, (4, 3)),
            drawstyle="steps-post",
            label="model",
        )
        ax.set_title(label + (" (ETH)" if key != "rate" else ""), fontsize=10)
        _marks(ax, failed, diverged)
    if minipools:
        eth_ax, status_ax = flat[len(GLOBAL)], flat[len(GLOBAL) + 1]
        colours = plt.get_cmap("tab10")
        for n in range(minipools):
            colour = colours(n % 10)
            eth_ax.plot(
                x,
                _eth(trace.series(f"minipool_{n}.eth")),
                color=colour,
                drawstyle="steps-post",
                label=f"minipool {n}",
            )
            statuses = trace.series(f"minipool_{n}.status")
            status_ax.plot(
                x,
                [float("nan") if s is None else s for s in statuses],
                color=colour,
                drawstyle="steps-post",
                marker=".",
                label=f"minipool {n}",
            )
        eth_ax.set_title("each minipool's ETH balance (ETH)", fontsize=10)
        status_ax.set_title("each minipool's status", fontsize=10)
        status_ax.set_yticks([s.value for s in MinipoolStatus])
        status_ax.set_yticklabels([s.name.lower() for s in MinipoolStatus], fontsize=8)
        for ax in (eth_ax, status_ax):
            _marks(ax, failed, diverged)
            ax.legend(fontsize=7, loc="best")
    for ax in flat[:panels]:
        ax.set_xlim(-1.5, max(len(trace.after) - 0.5, 0.5))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("after step (-1: before the first)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    flat[0].legend(fontsize=7, loc="best")
    for ax in flat[panels:]:
        ax.set_visible(False)
    fig.tight_layout()
    return svg(fig)


def steps_per_second_plot(samples: Sequence[Sequence[float]]) -> str:
    """Steps/s over the campaign's time, from ``(seconds, steps)`` samples of the running totals."""
    points = sorted((float(t), float(s)) for t, s, *_ in samples)
    times, rates = [], []
    for (t0, s0), (t1, s1) in zip(points, points[1:], strict=False):
        if t1 > t0:
            times.append(t1)
            rates.append((s1 - s0) / (t1 - t0))
    fig, ax = plt.subplots(figsize=(8, 2.8))
    ax.plot(times, rates, color=CHAIN, marker=".", label="between samples")
    if points and points[-1][0] > 0:
        overall = points[-1][1] / points[-1][0]
        ax.axhline(overall, color=MODEL, linestyle="--", label=f"overall {overall:,.1f}")
    ax.set_xlabel("seconds of fuzzing", fontsize=8)
    ax.set_ylabel("steps/s", fontsize=8)
    ax.set_ylim(bottom=0)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return svg(fig)
