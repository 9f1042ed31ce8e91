"""Every user action, each declared once: its step, prediction, call and machine rule.

One module per area holds the declarations (:class:`~harness.fuzz.actions.base.Action`)
and the Hypothesis rules that draw them:

- :mod:`.depositors`: deposit, burn, transfer_reth;
- :mod:`.nodes`: register_node, stake_rpl, withdraw_rpl, set_withdrawal_address;
- :mod:`.minipools`: create_minipool, assign_deposits, stake, vote_scrub,
  dissolve, close, distribute, begin_user_distribute, refund, finalise, slash,
  the bond reduction steps, gift;
- :mod:`.beacon`: beacon_penalty, beacon_slash, beacon_exit, beacon_offline;
- :mod:`.oracle`: report, report_dishonest, report_price, vote_report,
  execute_update, add_member, remove_member;
- :mod:`.auctions`: create_lot, place_bid, claim_bid, recover_unclaimed_rpl;
- :mod:`.depositors` also: approve_reth, transfer_from_reth, deposit_excess_collateral;
- :mod:`.nodes` also: set_timezone, confirm_withdrawal_address, transfer_rpl,
  approve_rpl, transfer_from_rpl;
- :mod:`.distributor`: propose (a block's fees to a fee distributor),
  distribute_fees;
- :mod:`.penalties`: submit_penalty, execute_update_penalty (MEV-theft
  penalties), set_max_penalty_rate;
- :mod:`.governance`: set_setting;
- :mod:`.access`: unauthorised (every entry point's wrong callers), with the
  checked-in lists of entry points reached only through other contracts
  (:data:`REACHED`) and open to anyone (:data:`OPEN`);
- :mod:`.deposit_contract`: beacon_deposit (a stranger's flawed deposit);
- :mod:`.clock`: advance;
- :mod:`.read`: read_view.

Importing this package fills :data:`ACTIONS` (the step vocabulary, read by
:func:`harness.fuzz.steps.execute`, the checked facade, replay, the bench and
``--emit-pytest``) and :data:`RULES` (the machine's rules). Adding an action
is adding a declaration, and its rule, to one of these modules.
"""

from harness.fuzz.actions import (  # noqa: F401 - imported to declare their actions
    access,
    auctions,
    beacon,
    clock,
    deposit_contract,
    depositors,
    distributor,
    governance,
    minipools,
    nodes,
    oracle,
    penalties,
    read,
)
from harness.fuzz.actions.access import OPEN, REACHED, UNAUTHORISED
from harness.fuzz.actions.base import ACTIONS, RULES, Action, declare, machine_rule

__all__ = [
    "ACTIONS",
    "OPEN",
    "REACHED",
    "RULES",
    "UNAUTHORISED",
    "Action",
    "declare",
    "machine_rule",
]
