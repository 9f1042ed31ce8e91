"""Every view of every deployable contract is compared with the model, or says why not.

The views are taken from the compiled ABIs (:func:`harness.fuzz.views.deployed_views`),
so a view added to a contract fails here until :data:`~harness.fuzz.views.VIEWS`
gives it a model expectation or :data:`~harness.fuzz.views.UNMODELLED` a reason.
"""

from __future__ import annotations

import pytest

from harness.fuzz.views import UNMODELLED, VIEWS, deployed_views


@pytest.fixture(scope="module")
def abi_views() -> dict[str, tuple[str, ...]]:
    return deployed_views()


def test_every_deployed_view_has_a_model_expectation_or_a_reason(abi_views):
    missing = sorted(
        name
        for name in abi_views
        if name not in UNMODELLED and (name not in VIEWS or VIEWS[name].expect is None)
    )
    assert missing == [], (
        "views with no model expectation in harness/fuzz/views.py VIEWS "
        f"(nor a reason in UNMODELLED): {', '.join(missing)}"
    )


def test_no_exemption_is_stale(abi_views):
    gone = sorted(name for name in UNMODELLED if name not in abi_views)
    compared = sorted(
        name for name in UNMODELLED if name in VIEWS and VIEWS[name].expect is not None
    )
    assert gone == [], f"UNMODELLED names views no deployable contract has: {', '.join(gone)}"
    assert compared == [], f"UNMODELLED names views VIEWS does compare: {', '.join(compared)}"


def test_every_exemption_gives_a_one_line_reason():
    assert all(reason.strip() and "\n" not in reason for reason in UNMODELLED.values())


def test_every_entry_of_views_is_a_view_of_a_deployed_contract(abi_views):
    unknown = sorted(name for name in VIEWS if name not in abi_views)
    assert unknown == [], f"VIEWS entries no deployable contract has: {', '.join(unknown)}"


def test_the_abis_hold_getters_immutables_and_constants(abi_views):
    # Public storage, immutables and constants are views too: the test sees them.
    assert abi_views["storage.guardian"] == ()
    assert abi_views["minipool.MINIPOOL_MANAGER"] == ()
    assert abi_views["rpl.allowance"] == ("address", "address")
    assert abi_views["storage.getAddress"] == ("string",)
