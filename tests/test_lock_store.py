"""stores/lock_store.py: Rasa's Redis ticket lock in two round trips per message, on a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from stores.lock_store import AtomicRedisLockStore


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    from ops.services import free_port, start_redis

    port = free_port()
    with start_redis(port):  # with its password, as `make run` has it
        yield port


@pytest.fixture()
def store(redis_port: int) -> AtomicRedisLockStore:
    from ops.services import redis_password

    return AtomicRedisLockStore(host="127.0.0.1", port=redis_port, password=redis_password())


def counting(store: AtomicRedisLockStore) -> list[str]:
    commands: list[str] = []
    original = store.red.execute_command

    def execute(*args: Any, **kwargs: Any) -> Any:
        commands.append(str(args[0]))
        return original(*args, **kwargs)

    store.red.execute_command = execute
    return commands


def test_a_message_takes_two_round_trips_and_leaves_no_lock(store: AtomicRedisLockStore) -> None:
    """Rasa's RedisLockStore took seven (get, set; get; get, set, get, delete)."""

    async def one() -> None:
        async with store.lock("citizen"):
            assert store.get_lock("citizen") is not None  # Rasa's own read sees the ticket

    asyncio.run(one())  # the scripts are loaded into Redis on first use
    commands = counting(store)
    asyncio.run(one())
    assert [c for c in commands if c != "GET"] == ["EVALSHA", "EVALSHA"]
    assert store.red.exists(store.key_prefix + "citizen") == 0


def test_a_conversations_second_message_waits_for_the_first(store: AtomicRedisLockStore) -> None:
    order: list[str] = []

    async def message(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("busy", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(0.1)
            order.append(f"{name} out")

    async def both() -> None:
        await asyncio.gather(message("first", 0), message("second", 0.02), message("other", 0.02))

    asyncio.run(both())
    assert order.index("first out") < order.index("second in")
    assert store.red.exists(store.key_prefix + "busy") == 0


def test_an_expired_ticket_does_not_block_the_conversation(store: AtomicRedisLockStore) -> None:
    store.issue_ticket("stale", lock_lifetime=-1)  # a worker died holding it

    async def one() -> None:
        async with store.lock("stale", wait_time_in_seconds=5):
            pass

    asyncio.run(asyncio.wait_for(one(), 2))
    assert store.red.exists(store.key_prefix + "stale") == 0


def test_tickets_are_rasas_and_issued_in_order(store: AtomicRedisLockStore) -> None:
    first, second = store.issue_ticket("queue"), store.issue_ticket("queue")
    lock = store.get_lock("queue")  # Rasa's TicketLock from the same JSON
    assert (first, second) == (0, 1) and lock is not None
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup("queue", first)
    lock = store.get_lock("queue")
    assert lock is not None and not lock.is_locked(second)
    store.cleanup("queue", second)
    assert store.get_lock("queue") is None


def test_endpoints_yml_configures_it(redis_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    from base.paths import ROOT
    from ops.services import redis_password

    monkeypatch.setenv("REDIS_PASSWORD", redis_password())
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store")
    assert config is not None
    config.kwargs["port"] = redis_port
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.ping()
