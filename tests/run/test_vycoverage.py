"""Vyper coverage (``harness.run.vycoverage``) and ``rpfuzz run --coverage``.

A small contract with two ``if`` statements shows what the plugin counts:
a line runs only when its own code ran (an ``if`` counts for its header),
and each ``if`` has two branches, taken when its jump goes that way.
"""

from __future__ import annotations

import json

import boa
import pytest

from harness.cli.commands import main
from harness.run.vycoverage import contract_coverage, measuring

CONTRACT = """\
# pragma version ~=0.4.3
x: public(uint256)
LIMIT: constant(uint256) = 2 * 5


@external
def f(a: uint256) -> uint256:
    \"\"\"
    @notice Sets x by cases.
    \"\"\"
    if a > LIMIT:
        self.x = a
        return 1
    if a == 3:
        self.x = 3
    else:
        self.x = 4
    return 2


@external
def g() -> uint256:
    return 5


@external
@payable
def __default__():
    pass
"""


def _coverage_of(tmp_path, *calls: int):
    source = tmp_path / "Cases.vy"
    source.write_text(CONTRACT)
    data = tmp_path / ".coverage"
    with measuring(data):
        contract = boa.load(str(source))
        for a in calls:
            contract.f(a)
    [figures] = contract_coverage([data], tmp_path)
    return figures


@pytest.mark.ignore_isolation
def test_a_condition_evaluated_does_not_count_its_branches_lines(tmp_path):
    figures = _coverage_of(tmp_path, 3)
    # Statements: 11, 12, 13, 14, 15, 17, 18 (f) and 23 (g); 3 took the second if's true arm.
    # The constant (line 3) and `pass` (line 29) compile to no code of their own.
    assert figures.lines == 8
    assert figures.missed_lines == [12, 13, 17, 23]
    assert figures.lines_hit == 4
    assert figures.branches == 4
    assert figures.missed_branches == [(11, 12), (14, 17)]
    # __default__ is only `pass`: no code of its own that could be seen to run.
    assert figures.functions == ["f", "g"]
    assert figures.functions_missed == ["g"]


@pytest.mark.ignore_isolation
def test_both_arms_of_both_ifs(tmp_path):
    figures = _coverage_of(tmp_path, 3, 20, 4)
    assert figures.missed_branches == []
    assert figures.branches_hit == 4
    assert figures.missed_lines == [23]


@pytest.mark.ignore_isolation
def test_tracing_is_off_again_after_measuring(tmp_path):
    from boa.environment import Env

    _coverage_of(tmp_path, 3)
    assert Env._coverage_enabled is False


@pytest.mark.ignore_isolation
def test_run_coverage_prints_and_writes_per_contract_figures(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "campaign.json"
    argv = ["run", "--profile", "ci", "--seed", "1", "--examples", "1", "--steps", "3"]
    assert main([*argv, "--coverage", "--json", str(out)]) == 0
    coverage = json.loads(out.read_text())["coverage"]
    files = {f["file"]: f for f in coverage["files"]}
    assert "RocketDepositPool.vy" in files
    assert "rocket_base.vy" in files  # modules are files of their own
    assert "MockMinipool.vy" not in files
    pool = files["RocketDepositPool.vy"]
    assert 0 < pool["lines_hit"] < pool["lines"]
    assert "deposit" not in pool["external_functions_missed"]
    total = coverage["total"]
    assert total["lines"] == sum(f["lines"] for f in files.values())
    assert 0 < total["line_percent"] < 100
    printed = capsys.readouterr().out
    assert "Vyper coverage" in printed
    assert "never entered in RocketAuctionManager.vy" in printed
