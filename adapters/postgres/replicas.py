"""Streaming replicas the API's queries read from: a pool per replica, and one probe per process
that watches each replica's state and how far behind the primary it is.

Lag in bytes is the primary's WAL position less the replica's replay position. Lag in seconds
is how long ago the primary was where the replica is now: the probe notes the primary's WAL
position every PROBE_SECONDS, and a replica that has not replayed up to a note taken t seconds
ago is at least t seconds behind. So a replica replaying within a probe's interval shows 0, and
one that stopped shows how long ago it stopped, even if the primary was idle long before (which
`now() - pg_last_xact_replay_timestamp()` would count as lag).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg

from adapters.postgres.outage import RACE_ERRORS, describe, is_unavailable
from adapters.postgres.pool import create_pool

log = logging.getLogger(__name__)

PROBE_SECONDS = 0.5
PROBE_TIMEOUT_SECONDS = 2.0
# A replica that does not answer a connection attempt within this is unreachable for now.
CONNECT_TIMEOUT_SECONDS = 2.0
CLOSE_TIMEOUT_SECONDS = 5.0
# Notes of the primary's position: an hour's worth; a replica further behind shows "at least".
NOTES_KEPT = 7200

PROBE = """SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn() AS replayed"""

# A replica's states: within the lag limit, beyond it, not answering, or not following anyone.
STREAMING, BEHIND = "streaming", "behind"
UNREACHABLE, NOT_A_STANDBY = "unreachable", "not_a_standby"
PROBING = "probing it"


def label_of(dsn: str) -> str:
    """host:port/database: what health reports and logs name a replica by (no credentials)."""
    parts = urlsplit(dsn)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path or '/'}"


@dataclass
class Replica:
    """One replica: its pool and what the probe last found."""

    label: str
    pool: asyncpg.Pool
    state: str = UNREACHABLE
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    error: str | None = None
    max_lag: float = 10.0
    # Set when a read fails for want of the replica: the probe looks again at once.
    suspected: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def usable(self) -> bool:
        """Answering as a standby (however far behind)."""
        return self.state in (STREAMING, BEHIND)

    def observe(self, error: BaseException, doing: str = "") -> bool:
        """An error of a read this replica served: True when asking again may succeed. An
        outage sets the replica aside until the probe reaches it again; a query cancelled by a
        conflict with the replica's replay only needs asking again."""
        if is_unavailable(error):
            self.unreachable(error, doing)
            return True
        return isinstance(error, RACE_ERRORS)

    def unreachable(self, error: BaseException, doing: str = "") -> None:
        if self.state != UNREACHABLE:
            log.warning(
                "replica %s unavailable%s (%s); reads go elsewhere until it answers",
                self.label,
                f" while {doing}" if doing else "",
                describe(error),
            )
            if doing != PROBING:  # a read failed: perhaps one broken connection, look now
                self.suspected.set()
        self.state, self.error = UNREACHABLE, describe(error)
        self.lag_bytes = self.lag_seconds = None

    def answered(self, standby: bool, lag_bytes: int, lag_seconds: float) -> None:
        if not standby:
            if self.state != NOT_A_STANDBY:
                log.warning("%s is not a standby (promoted?): not read from", self.label)
            self.state, self.error = NOT_A_STANDBY, "not in recovery: not following the primary"
            self.lag_bytes = self.lag_seconds = None
            return
        if self.state == UNREACHABLE and self.error is not None:
            log.info("replica %s answers again", self.label)
        self.state = STREAMING if lag_seconds <= self.max_lag else BEHIND
        self.error = None
        self.lag_bytes, self.lag_seconds = lag_bytes, round(lag_seconds, 3)

    def report(self) -> dict[str, object]:
        report: dict[str, object] = {
            "replica": self.label,
            "state": self.state,
            "lag_bytes": self.lag_bytes,
            "lag_seconds": self.lag_seconds,
        }
        if self.error is not None:
            report["error"] = self.error
        return report


class PrimaryNotes:
    """The primary's WAL position, noted over time: how long ago it passed a given position."""

    def __init__(self, kept: int = NOTES_KEPT) -> None:
        self._times: deque[float] = deque(maxlen=kept)
        self._positions: deque[int] = deque(maxlen=kept)

    def note(self, at: float, position: int) -> None:
        if not self._positions or position >= self._positions[-1]:
            self._times.append(at)
            self._positions.append(position)

    def lag(self, replayed: int, now: float) -> tuple[int, float]:
        """Bytes and seconds a replica that replayed up to `replayed` is behind."""
        if not self._positions or replayed >= self._positions[-1]:
            return 0, 0.0
        first_missed = bisect.bisect_right(self._positions, replayed)
        return self._positions[-1] - replayed, now - self._times[first_missed]


class ReplicaSet:
    """Every replica of OMNI_READ_DATABASE_URL, probed while the process runs."""

    def __init__(
        self,
        primary: asyncpg.Pool,
        replicas: Sequence[Replica],
        probe_seconds: float = PROBE_SECONDS,
    ) -> None:
        self.primary = primary
        self.replicas = list(replicas)
        self.probe_seconds = probe_seconds
        self.notes = PrimaryNotes()
        self._turn = 0
        self._watch: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        primary: asyncpg.Pool,
        dsns: Sequence[str],
        *,
        schema: str | None,
        pool_size: int,
        max_lag: float,
    ) -> ReplicaSet:
        """Pools that connect on first use (a replica down at start-up does not stop the
        process), probed once before the first request and then every PROBE_SECONDS."""
        replicas = []
        for dsn in dsns:
            pool = await create_pool(
                dsn, schema=schema, min_size=0, max_size=pool_size, timeout=CONNECT_TIMEOUT_SECONDS
            )
            replicas.append(Replica(label_of(dsn), pool, max_lag=max_lag))
        replica_set = cls(primary, replicas)
        await replica_set.probe()
        replica_set._watch = asyncio.create_task(replica_set._keep_watching())
        return replica_set

    def choose(self) -> Replica | None:
        """A replica within the lag limit, each in turn; else the reachable one least behind
        (reads with a position wait for it); None when no replica answers."""
        streaming = [r for r in self.replicas if r.state == STREAMING]
        if streaming:
            self._turn += 1
            return streaming[self._turn % len(streaming)]
        behind = [r for r in self.replicas if r.state == BEHIND]
        return min(behind, key=lambda r: r.lag_seconds or 0.0) if behind else None

    def within_lag(self) -> bool:
        return any(r.state == STREAMING for r in self.replicas)

    def report(self) -> list[dict[str, object]]:
        return [replica.report() for replica in self.replicas]

    async def probe(self) -> None:
        """Note the primary's position, then ask every replica where it is."""
        with contextlib.suppress(Exception):  # the primary's own outage is reported elsewhere
            position = await asyncio.wait_for(
                self.primary.fetchval("SELECT pg_current_wal_lsn()"), PROBE_TIMEOUT_SECONDS
            )
            self.notes.note(time.monotonic(), int(position))
        await asyncio.gather(*(self._probe(replica) for replica in self.replicas))

    async def _probe(self, replica: Replica) -> None:
        replica.suspected.clear()
        if replica.state == UNREACHABLE:  # connections from before the outage are broken
            await replica.pool.expire_connections()
        try:
            row = await asyncio.wait_for(replica.pool.fetchrow(PROBE), PROBE_TIMEOUT_SECONDS)
        except Exception as error:  # noqa: BLE001 - whatever it is, the replica cannot serve
            replica.unreachable(error, PROBING)
            return
        replayed = int(row["replayed"] or 0)
        lag_bytes, lag_seconds = self.notes.lag(replayed, time.monotonic())
        replica.answered(row["standby"], lag_bytes, lag_seconds)

    async def _keep_watching(self) -> None:
        while True:
            suspects = [asyncio.ensure_future(r.suspected.wait()) for r in self.replicas]
            try:
                await asyncio.wait(suspects, timeout=self.probe_seconds)
            finally:
                for waiting in suspects:
                    waiting.cancel()
            with contextlib.suppress(Exception):
                await self.probe()

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        for replica in self.replicas:
            try:  # a read still holding a connection of a replica that hangs: cut it
                await asyncio.wait_for(replica.pool.close(), CLOSE_TIMEOUT_SECONDS)
            except TimeoutError:
                replica.pool.terminate()
