"""``rpfuzz replay FILE --html PATH``: one page showing a replay.

From top to bottom: what was replayed and the verdict; the failure (the
violated invariant, the model's expected values beside the actual ones,
the first step after which the model's and the chain's figures diverged,
and titanoboa's Vyper source trace of a revert); the plots of the figures
over the steps with the failing step marked; the step table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.replay.display import detail_rows, fmt_args, fmt_change
from harness.replay.session import ReplayResult, StepResult, failure_summary
from harness.report.figures import Divergence, FigureTrace
from harness.report.page import document, esc, table
from invariants import InvariantViolation

__all__ = ["replay_page", "write_replay_page"]

_CHANGES = (("rate", "Δ rate"), ("supply", "Δ rETH supply"), ("pool", "Δ deposit pool"))
_CHANGES += (("collateral", "Δ collateral"),)


def _outcome(step: StepResult) -> str:
    if step.failed:
        text = f"FAILED: {step.invariant}"
    elif step.outcome == "reverted":
        text = f"reverted: {step.reason}"
    else:
        text = "ok"
    return text + "".join(f" ({event})" for event in step.events)


def _steps(result: ReplayResult, divergence: Divergence | None) -> str:
    rows, classes = [], []
    for step in result.steps:
        rows.append(
            (
                step.index,
                step.rule,
                fmt_args(step.rule, step.args),
                _outcome(step),
                "✓" if step.checked and not step.failed else "·" if not step.checked else "",
                *(fmt_change(step.change(key)) for key, _ in _CHANGES),
            )
        )
        diverged = divergence is not None and divergence.step.index == step.index
        classes.append("failed" if step.failed else "diverged" if diverged else "")
    headers = ["#", "rule", "arguments", "outcome", "inv", *(h for _, h in _CHANGES)]
    return (
        f"<h2>Steps ({len(result.steps)} of {result.total} run)</h2>"
        + table(headers, rows, numeric=(0, 5, 6, 7, 8), row_classes=classes)
        + "<p class='sub'>inv: ✓ the invariants ran after the step; · its rule went on, so "
        "they waited (as in the campaign). Amounts in ETH. The failing step is red, the "
        "first divergence amber.</p>"
    )


def _failure(step: StepResult, divergence: Divergence | None) -> str:
    exc = step.failure
    call = f"{step.rule} {fmt_args(step.rule, step.args)}".strip()
    parts = [
        "<h2>The failure</h2>",
        f"<div class='box'><b>Violated: {esc(step.invariant)}</b> at step {step.index} "
        f"({esc(call)})<br>{esc(failure_summary(step))}</div>",
    ]
    if isinstance(exc, InvariantViolation) and exc.details:
        details = {k: v for k, v in exc.details.items() if k != "trace"}
        rows, rest = detail_rows(details)
        if rows:
            parts.append("<h3>The model's values beside the contracts'</h3>")
            parts.append(
                table(("quantity", "expected (model)", "actual", "actual - expected"), rows)
            )
        if rest:
            parts.append("<h3>Details</h3>" + table(("name", "value"), rest))
    parts.append(_divergence(divergence, step))
    trace = step.revert_trace
    if trace:
        parts.append("<h3>Vyper source trace of the revert (titanoboa)</h3>")
        parts.append(f"<pre>{esc(trace)}</pre>")
    elif not isinstance(exc, InvariantViolation):
        parts.append(f"<pre>{esc(type(exc).__name__)}: {esc(exc)}</pre>")
    return "".join(parts)


def _divergence(divergence: Divergence | None, failing: StepResult | None) -> str:
    if divergence is None:
        return (
            "<h3>Where the state went wrong</h3><div class='box warn'>The model's and the "
            "chain's figures (rETH rate, supply, collateral, deposit pool, each minipool's "
            "balance and status) agreed after every step: the model cannot tell which earlier "
            "step made the state wrong.</div>"
        )
    earlier = failing is None or divergence.step.index != failing.index
    return (
        "<h3>Where the state went wrong</h3>"
        f"<div class='box{' warn' if earlier else ''}'>{esc(divergence.sentence(failing))}</div>"
        + table(("figure", "model (predicted)", "chain"), divergence.rows())
    )


def _verdict(replay_file: Any, result: ReplayResult) -> str:
    recorded = replay_file.failure or {}
    said = (
        f"{recorded.get('invariant')} at step {recorded.get('step')}"
        if recorded
        else "none recorded"
    )
    if result.failure is not None:
        same = bool(recorded) and result.reproduces(recorded)
        what = "the recorded failure reproduces" if same else "a different failure"
        return (
            f"<div class='box'><b>FAILED</b>: {esc(what)}: {esc(result.failure.invariant)} at "
            f"step {result.failure.index} (recorded: {esc(said)}).</div>"
        )
    if result.until is not None and result.until < result.total:
        return f"<div class='box good'>Stopped before step {result.until} as asked.</div>"
    return (
        f"<div class='box good'>Every step passed and every invariant held through all "
        f"{result.total} steps (recorded failure: {esc(said)}).</div>"
    )


def replay_page(
    path: str,
    replay_file: Any,
    result: ReplayResult,
    trace: FigureTrace,
    divergence: Divergence | None,
    contracts: str,
) -> str:
    """The page's HTML for ``result``, replayed from ``path`` on ``contracts``."""
    from harness.report.plots import replay_plots

    failing = result.failure
    seed = "none recorded" if replay_file.seed is None else replay_file.seed
    header = (
        f"<h1>rpfuzz replay: {esc(Path(path).name)}</h1>"
        f"<p class='sub'>{esc(path)}: {len(replay_file.steps)} steps, seed "
        f"{esc(seed)}; contracts {esc(contracts)}</p>"
    )
    body = [header, _verdict(replay_file, result)]
    if failing is not None:
        body.append(_failure(failing, divergence))
    elif divergence is not None:
        body.append(_divergence(divergence, None))
    body.append(
        "<h2>The figures over the steps</h2><p class='sub'>Read after each step: the chain's "
        "values solid, the model's dashed; red line: the failing step; amber dashed line: the "
        "first divergence, when earlier.</p><div class='plots'>"
        + replay_plots(
            trace,
            failing.index if failing is not None else None,
            divergence.step.index if divergence is not None else None,
        )
        + "</div>"
    )
    body.append(_steps(result, divergence))
    return document(f"rpfuzz replay {Path(path).name}", "".join(body))


def write_replay_page(out: str | Path, text: str) -> Path:
    """Write the page to ``out``; returns its path (``OSError`` when it cannot)."""
    out = Path(out)
    out.write_text(text, encoding="utf-8")
    return out
