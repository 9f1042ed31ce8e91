"""Example databases for campaigns: a directory (the default), or a shared Redis with a local copy.

``rpfuzz run --database`` takes a directory (today's behaviour, the default
``.hypothesis/examples``) or ``redis://host:port/N``. A Redis address gives
Hypothesis's :class:`~hypothesis.extra.redis.RedisExampleDatabase`, wrapped
so that a campaign keeps working when the Redis goes away
(:class:`SurvivableDatabase`), inside a
:class:`~hypothesis.database.MultiplexedDatabase` with a directory copy on
the host that runs the worker: every failing example found anywhere is
tried first by every later run that points at the same Redis, and by every
later run on the same host even when the Redis is gone.

:func:`check_database` is the client's look before a campaign starts (a
Redis that cannot be reached, or refuses a write, is a :class:`ConfigError`
naming the address and the fix, after bounded timeouts);
:func:`example_database` is what each worker builds from the same string;
:func:`outages` says, in this process, which Redis stopped answering
mid-run (the campaign goes on with the local copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    MultiplexedDatabase,
)

from harness.config import ConfigError

# Where a worker keeps its copy of a shared database (relative to its working
# directory, like the default directory database, which it is).
LOCAL_COPY_DIR = Path(".hypothesis") / "examples"
# Seconds to connect to the Redis, and to wait for one answer: a Redis that
# went away costs a campaign this much once, never a hang.
CONNECT_TIMEOUT = 3.0
ANSWER_TIMEOUT = 5.0
_FIX = (
    "start redis-server there (or fix the address: redis://HOST:PORT/DB), "
    "or drop --database to use the local directory .hypothesis/examples"
)

# Redis addresses that stopped answering in this process, with the first error.
_OUTAGES: dict[str, str] = {}


def is_redis(spec: str | None) -> bool:
    """Whether a ``--database`` value names a Redis (``redis://...``)."""
    return spec is not None and spec.startswith(("redis://", "rediss://"))


def _redis_client(url: str) -> Any:
    """A client for ``url`` with bounded timeouts; a :class:`ConfigError` for a bad address."""
    import redis

    parsed = urlparse(url)
    if not parsed.hostname:
        raise ConfigError(f"--database {url}: no host; write redis://HOST:PORT/DB")
    try:
        return redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=ANSWER_TIMEOUT,
            retry_on_timeout=False,
        )
    except ValueError as exc:
        raise ConfigError(f"--database {url}: {exc}; write redis://HOST:PORT/DB") from None


def check_database(spec: str | None) -> None:
    """Before a campaign: a Redis must answer and accept a write; a directory must be one.

    A :class:`ConfigError` (exit 2) names the address and what to do.
    """
    if spec is None:
        return
    if not is_redis(spec):
        path = Path(spec)
        if path.exists() and not path.is_dir():
            raise ConfigError(
                f"--database {spec}: exists and is not a directory; pick a directory "
                "or a Redis (redis://HOST:PORT/DB)"
            )
        return
    import redis

    client = _redis_client(spec)
    try:
        client.ping()
        # A read-only replica or a full disk answers a ping but refuses writes.
        client.set("rpfuzz:probe", b"1", ex=60)
    except redis.exceptions.RedisError as exc:
        raise ConfigError(f"--database {spec}: the Redis refused ({exc}); {_FIX}") from None
    finally:
        client.close()


def example_database(spec: str) -> ExampleDatabase:
    """The example database a ``--database`` value names (see the module docstring)."""
    if not is_redis(spec):
        return DirectoryBasedExampleDatabase(spec)
    from hypothesis.extra.redis import RedisExampleDatabase

    shared = SurvivableDatabase(RedisExampleDatabase(_redis_client(spec)), spec)
    return MultiplexedDatabase(DirectoryBasedExampleDatabase(str(LOCAL_COPY_DIR)), shared)


def outages() -> dict[str, str]:
    """The Redis addresses that stopped answering in this process, each with its first error."""
    return dict(_OUTAGES)


def reset_outages() -> None:
    """Forget earlier outages (a long-lived worker process starts each campaign afresh)."""
    _OUTAGES.clear()


class SurvivableDatabase(ExampleDatabase):
    """A database that, once its server stops answering, is empty and takes nothing.

    The first connection error or timeout is noted (:func:`outages`); after
    it every operation returns at once, so a Redis that went away costs a
    campaign one timeout, and the local copy beside it in the
    :class:`MultiplexedDatabase` carries on.
    """

    def __init__(self, inner: ExampleDatabase, address: str) -> None:
        super().__init__()
        self.inner, self.address = inner, address

    def __repr__(self) -> str:
        return f"SurvivableDatabase({self.address})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SurvivableDatabase) and self.address == other.address

    def __hash__(self) -> int:
        return hash(self.address)

    @property
    def down(self) -> bool:
        """Whether the server stopped answering earlier in this process."""
        return self.address in _OUTAGES

    def _guard(self, operation: Any, *args: Any) -> Any:
        import redis

        if self.down:
            return None
        try:
            return operation(*args)
        except (redis.exceptions.RedisError, OSError) as exc:
            _OUTAGES.setdefault(self.address, f"{type(exc).__name__}: {exc}")
            return None

    def fetch(self, key: bytes) -> Iterable[bytes]:
        values = self._guard(lambda: list(self.inner.fetch(key)))
        return values or []

    def save(self, key: bytes, value: bytes) -> None:
        self._guard(self.inner.save, key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self._guard(self.inner.delete, key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self._guard(self.inner.move, src, dest, value)

    def _start_listening(self) -> None:
        """Nobody listens to a campaign's database; nothing to start."""

    def _stop_listening(self) -> None:
        """Nothing was started."""
