"""``rpfuzz run --html PATH``: one page showing a campaign, from its ``--json`` document.

The page reads the document (:meth:`harness.run.campaign.CampaignResult.to_json`),
not the campaign's objects, so a saved JSON file can be drawn again later
(:func:`campaign_page` on ``json.load``). Shown: the summary and the
failures; the rule table (rules never called and rules never successful
marked); the invariant table when the document has one (``invariants``);
steps/s over time from ``(seconds, steps)`` samples of the running totals
(the document's ``samples``, else the ones recorded while the run went);
the flows; Vyper coverage when ``--coverage`` measured it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.report.page import document, esc, table

__all__ = ["campaign_page", "write_campaign_page"]


def _summary(doc: dict[str, Any]) -> str:
    failures = doc.get("failures") or []
    verdict = (
        f"<div class='box'><b>{len(failures)} failure{'s' if len(failures) != 1 else ''}</b></div>"
        if failures
        else "<div class='box good'>Every invariant held.</div>"
    )
    facts = [
        ("profile", doc.get("profile")),
        ("seed", doc.get("seed")),
        ("workers", doc.get("workers")),
        ("examples", doc.get("examples")),
        ("steps", doc.get("steps")),
        ("seconds of fuzzing", doc.get("seconds")),
        ("steps/s", doc.get("steps_per_second")),
        ("stopped at the time budget", doc.get("budget_reached")),
    ]
    shown = [(name, _cell(value)) for name, value in facts if value is not None]
    return verdict + table(("", ""), shown)


def _failures(doc: dict[str, Any]) -> str:
    failures = doc.get("failures") or []
    if not failures:
        return ""
    rows = [
        (
            f.get("invariant"),
            f.get("step"),
            f.get("message"),
            f.get("replay_file") or "",
            "yes" if f.get("shrunk") else "no",
        )
        for f in failures
    ]
    return "<h2>Failures</h2>" + table(
        ("invariant", "step", "message", "replay file", "shrunk"), rows, numeric=(1,)
    )


def _rules(doc: dict[str, Any]) -> str:
    rules: dict[str, dict[str, int]] = doc.get("rules") or {}
    rows, classes = [], []
    for name in sorted(rules):
        row = rules[name]
        calls, successes = row.get("calls", 0), row.get("successes", 0)
        reverts = row.get("reverts", 0)
        failed = calls - successes - reverts
        note = "never called" if calls == 0 else "never succeeded" if successes == 0 else ""
        share = f"{100 * reverts / calls:.0f}%" if calls else ""
        rows.append((name, calls, successes, reverts, share, failed, note))
        classes.append("never" if calls == 0 else "no-success" if successes == 0 else "")
    return (
        "<h2>Rules</h2>"
        + table(
            ("rule", "calls", "successes", "reverts", "revert %", "failed", ""),
            rows,
            numeric=(1, 2, 3, 4, 5),
            row_classes=classes,
        )
        + "<p class='sub'>Red: never called; amber: called but never successful.</p>"
    )


def _invariants(doc: dict[str, Any]) -> str:
    """The document's ``invariants`` table (``rpfuzz run --json``), nothing when it has none.

    Each row: when the invariant is checked, how many times, and its
    verdict: held, never checked, or failed at step N (a check made
    during a step has no count: it shows only when it failed).
    """
    invariants = doc.get("invariants")
    if not invariants:
        return ""
    rows, classes = [], []
    for name, row in invariants.items():
        checked, failed = row.get("checked"), row.get("failed_at_step")
        if failed is not None:
            verdict, css = f"failed at step {failed}", "failed"
        elif not checked:
            verdict, css = "never checked", "never"
        else:
            verdict, css = "held", ""
        rows.append(
            [
                _cell(name),
                _cell(row.get("when") or ""),
                _cell("-" if checked is None else checked),
                _cell(verdict),
            ]
        )
        classes.append(css)
    return "<h2>Invariants</h2>" + table(
        ["invariant", "checked when", "times", "verdict"], rows, numeric=[2], row_classes=classes
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _speed(samples: Sequence[Sequence[float]] | None, doc: dict[str, Any]) -> str:
    points = [s for s in samples or () if len(s) >= 2]
    if len(points) < 2:
        return (
            "<h2>Steps/s over time</h2><p class='sub'>Too few progress samples to draw "
            f"(overall {esc(doc.get('steps_per_second'))} steps/s).</p>"
        )
    from harness.report.plots import steps_per_second_plot

    return (
        "<h2>Steps/s over time</h2><p class='sub'>From the running totals the workers reported "
        f"({len(points)} samples).</p><div class='plots'>{steps_per_second_plot(points)}</div>"
    )


def _flows(doc: dict[str, Any]) -> str:
    flows = doc.get("flows") or {}
    if not flows:
        return ""
    rows = [(n, r.get("started"), r.get("ended"), r.get("refused")) for n, r in flows.items()]
    classes = ["never" if not r.get("ended") else "" for r in flows.values()]
    return "<h2>Flows</h2>" + table(
        ("flow", "started", "ended", "refused at the end"),
        rows,
        numeric=(1, 2, 3),
        row_classes=classes,
    )


def _coverage(doc: dict[str, Any]) -> str:
    coverage = doc.get("coverage")
    if not coverage:
        return "<h2>Coverage</h2><p class='sub'>Not measured (run with --coverage).</p>"
    total = coverage.get("total", {})
    rows = [
        (
            f.get("file"),
            f"{f.get('lines_hit')}/{f.get('lines')}",
            f"{f.get('branches_hit')}/{f.get('branches')}",
            f"{f.get('external_functions', 0) - len(f.get('external_functions_missed', []))}"
            f"/{f.get('external_functions', 0)}",
            ", ".join(f.get("external_functions_missed", [])),
        )
        for f in coverage.get("files", [])
    ]
    head = (
        f"<p>Lines {esc(total.get('line_percent'))}%, branches "
        f"{esc(total.get('branch_percent'))}%, external functions reached "
        f"{esc(total.get('external_functions_reached'))} of "
        f"{esc(total.get('external_functions'))}.</p>"
    )
    return (
        "<h2>Coverage</h2>"
        + head
        + table(("file", "lines", "branches", "functions", "never entered"), rows)
    )


def campaign_page(doc: dict[str, Any], samples: Sequence[Sequence[float]] | None = None) -> str:
    """The page's HTML for the campaign document ``doc``.

    ``samples`` are ``(seconds, steps, ...)`` running totals recorded during
    the run; the document's own ``samples`` are used when it has them.
    """
    body = [
        "<h1>rpfuzz run</h1>",
        f"<p class='sub'>profile {esc(doc.get('profile'))}, seed {esc(doc.get('seed'))}</p>",
        _summary(doc),
        _failures(doc),
        _rules(doc),
        _invariants(doc),
        _speed(doc.get("samples") or samples, doc),
        _flows(doc),
        _coverage(doc),
    ]
    return document(f"rpfuzz run (seed {doc.get('seed')})", "".join(body))


def write_campaign_page(
    out: str | Path, doc: dict[str, Any], samples: Sequence[Sequence[float]] | None = None
) -> Path:
    """Write :func:`campaign_page` to ``out``; returns its path (``OSError`` when it cannot)."""
    out = Path(out)
    out.write_text(campaign_page(doc, samples), encoding="utf-8")
    return out
