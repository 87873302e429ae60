"""Followers asking for the same window at once share one query; a failed read is not shared
afterwards; another key (the store puts the append generation in it) reads afresh."""

from __future__ import annotations

import asyncio

import pytest

from adapters.postgres.shared_reads import SharedReads


class Source:
    def __init__(self) -> None:
        self.calls = 0
        self.fail_next = False

    async def fetch(self) -> int:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database restarting")
        return self.calls


async def test_readers_asking_at_once_share_one_read() -> None:
    reads, source = SharedReads[int](keep_seconds=0.05), Source()
    answers = await asyncio.gather(*(reads.read(("P", 7, 1), source.fetch) for _ in range(8)))
    assert answers == [1] * 8 and source.calls == 1


async def test_a_newer_key_reads_afresh_and_an_old_answer_expires() -> None:
    reads, source = SharedReads[int](keep_seconds=0.02), Source()
    assert await reads.read(("P", 7, 1), source.fetch) == 1
    assert await reads.read(("P", 7, 2), source.fetch) == 2  # a commit was signalled since
    await asyncio.sleep(0.03)
    assert await reads.read(("P", 7, 1), source.fetch) == 3


async def test_a_failed_read_is_not_handed_to_later_readers() -> None:
    reads, source = SharedReads[int](keep_seconds=1.0), Source()
    source.fail_next = True
    with pytest.raises(ConnectionError):
        await reads.read("head", source.fetch)
    assert await reads.read("head", source.fetch) == 2


async def test_a_cancelled_reader_does_not_cancel_the_read_others_wait_for() -> None:
    reads, source = SharedReads[int](keep_seconds=0.05), Source()
    first = asyncio.create_task(reads.read("k", source.fetch))
    second = asyncio.create_task(reads.read("k", source.fetch))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == 1 and source.calls == 1
