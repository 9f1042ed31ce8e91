"""Replaying: the replay file format, a replay session, its display, the emitter, the minimiser.

A campaign's failure is written as a replay file (:mod:`~harness.replay.file`);
:mod:`~harness.replay.session` plays one step by step, checked;
:mod:`~harness.replay.minimize` shrinks one; :mod:`~harness.replay.emit`
writes it as a pytest regression test; :mod:`~harness.replay.display` renders
steps and failures.

May import: :mod:`harness.fuzz` and everything below it, and itself.
"""
