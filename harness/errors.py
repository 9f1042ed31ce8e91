"""Reading revert reasons out of titanoboa's errors."""

from __future__ import annotations


def revert_reason(exc: BaseException) -> str:
    """The revert reason string of a failed call (``"deposit pool: ..."``).

    Works on titanoboa's ``BoaError``; for anything else, the exception's text.
    """
    stack = getattr(exc, "stack_trace", None)
    if stack is not None:
        frame = stack.last_frame
        if hasattr(frame, "pretty_vm_reason"):
            return frame.pretty_vm_reason
    return str(exc).strip()
