"""Reading revert reasons out of either backend's errors."""

from __future__ import annotations


def revert_reason(exc: BaseException) -> str:
    """The revert reason string of a failed call (``"deposit pool: ..."``).

    Works on titanoboa's ``BoaError`` and on revm's
    :class:`~harness.chain.revm.RevmReverted` (worded the same way); for
    anything else, the exception's text.
    """
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str):
        return reason
    stack = getattr(exc, "stack_trace", None)
    if stack is not None:
        frame = stack.last_frame
        if hasattr(frame, "pretty_vm_reason"):
            return frame.pretty_vm_reason
    return str(exc).strip()
