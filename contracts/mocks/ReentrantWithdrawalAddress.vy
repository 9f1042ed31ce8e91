# pragma version ~=0.4.3
"""
@title Withdrawal address that re-enters whoever pays it
@notice A contract a node can make its withdrawal address. On every payment
        it calls the payer back (`msg.sender`) with a configured call, by
        default `distributeBalance(false)`, which a minipool would accept
        from its owner's withdrawal address, and, if that fails,
        `distribute()`, a fee distributor's; then it keeps the ETH whether
        or not the calls went through (one attempt per payment). It counts its attempts and their
        successes: while every contract that moves ETH holds its
        reentrancy lock, no attempt ever succeeds. For the fuzzing harness
        and tests only; never deployed by the protocol.
"""


# @dev Constants
# Room for a selector and three words of arguments.
MAX_CALL_SIZE: constant(uint256) = 100


# @dev Storage
reentryCall: public(Bytes[MAX_CALL_SIZE])
reentryAttempts: public(uint256)
reentrySuccesses: public(uint256)


# @dev Events
event ReentryAttempted:
    target: indexed(address)
    success: bool


@deploy
def __init__():
    self.reentryCall = abi_encode(
        False, method_id=method_id("distributeBalance(bool)")
    )


@external
@payable
def __default__():
    """
    @notice Accepts a payment after calling the payer back with
            `reentryCall`, whatever that call's outcome.
    """
    success: bool = raw_call(
        msg.sender, self.reentryCall, revert_on_failure=False
    )
    if not success:
        # @dev A fee distributor pays too: its one entry point, tried next.
        success = raw_call(
            msg.sender, method_id("distribute()"), revert_on_failure=False
        )
    self.reentryAttempts += 1
    if success:
        self.reentrySuccesses += 1
    log ReentryAttempted(target=msg.sender, success=success)


@external
def setReentryCall(data: Bytes[MAX_CALL_SIZE]):
    """
    @notice Sets the call made back to the payer, e.g.
            `method_id("refund()")`. Anyone may set it: a test double.
    @param data Calldata: a selector and its ABI-encoded arguments.
    """
    self.reentryCall = data
