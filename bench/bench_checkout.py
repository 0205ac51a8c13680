"""Checkout latency and durable authorization throughput, against a hand-written sqlite3 baseline.

Measures:
- ``checkout_options`` for a buyer with 10 open invoices and a 1,000.00 EUR cart, on the
  in-memory store and on a SQLite file (median and 99th percentile per call);
- authorize-capture on a SQLite file in WAL mode, from one process and from eight;
- the baseline a host would otherwise write: one ``BEGIN IMMEDIATE`` transaction that
  reads the limit and the reserved total, checks, inserts the reservation and updates
  the total, on the same kind of file with the same settings.

Goals: options under 200 µs median in memory; at least 2,000 durable authorizations a
second from one process.

The machine is often shared, so the rates move with other load. Two steadier measures
follow them: CPU time per call (``time.process_time``, which waiting for other processes
does not inflate) and WAL pages per commit, counted from the WAL file's size with
automatic checkpoints off after a warm-up. Ratios are the library's rate over the baseline's, as in the
other benchmarks: below 1 means slower. "Durable" here means committed in WAL mode with
``synchronous=NORMAL``, which survives a crash of the process. The FULL row adds a sync
of the WAL on every commit, which also survives power loss.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from _timing import format_seconds, percentile_times
from b2bcredit.checkout.options import Cart
from b2bcredit.core.money import Money
from b2bcredit.engine import Engine
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.storage.base import Store
from b2bcredit.storage.memory import MemoryStore
from b2bcredit.storage.sqlite import SqliteStore

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PRODUCT = default_catalogue().get("net30")
ACCOUNTS = 100  # orders rotate over this many buyers, so each keeps a realistic handful of open invoices


class FixedClock:
    def now(self) -> datetime:
        return START


def _buyer_with_open_invoices(store: Store) -> Engine:
    engine = Engine(store, FixedClock())
    engine.open_account("open", "buyer", Money("100000.00", "EUR"))
    for index in range(10):
        result = engine.authorize(f"a{index}", "buyer", f"o{index}", "net30", Money("500.00", "EUR"))
        assert result.authorization is not None
        engine.capture(f"c{index}", result.authorization.authorization_id)
    return engine


def bench_options(label: str, store: Store, calls: int) -> float:
    """Print and return the median latency of checkout_options in seconds."""
    engine = _buyer_with_open_invoices(store)
    cart = Cart(Money("1000.00", "EUR"))
    median, p99 = percentile_times(lambda: engine.checkout_options("buyer", cart), calls)
    products = len(engine.checkout_options("buyer", cart).options)
    print(
        f"checkout_options, 10 open invoices, {label:<7}: median {format_seconds(median):>9}"
        f"   p99 {format_seconds(p99):>9}   ({calls} calls, {products} products)"
    )
    return median


def bench_options_fresh_carts(calls: int) -> None:
    """Print the latency when every call prices a new cart total, so no offer is cached."""
    engine = _buyer_with_open_invoices(MemoryStore())
    totals = iter(range(100_000, 100_000 + calls + 1))
    median, p99 = percentile_times(
        lambda: engine.checkout_options("buyer", Cart(Money.from_minor_units(next(totals), "EUR"))), calls
    )
    print(
        f"checkout_options, new cart every call, memory: median {format_seconds(median):>9}"
        f"   p99 {format_seconds(p99):>9}   ({calls} calls)"
    )


def _open_accounts(path: str, synchronous: Literal["NORMAL", "FULL"]) -> list[str]:
    store = SqliteStore(path, synchronous=synchronous)
    ledger = Ledger(store, FixedClock())
    ids = [
        ledger.open_account(f"open-{i}", f"buyer-{i}", Money("100000000.00", "EUR")).account_id for i in range(ACCOUNTS)
    ]
    store.close()
    return ids


def _authorize_capture(
    path: str, synchronous: Literal["NORMAL", "FULL"], accounts: list[str], worker: int, count: int, capture: bool
) -> float:
    store = SqliteStore(path, synchronous=synchronous)
    ledger = Ledger(store, FixedClock())
    amount = Money("100.00", "EUR")
    start = time.perf_counter()
    for index in range(count):
        account_id = accounts[(worker * count + index) % len(accounts)]
        result = ledger.authorize(f"w{worker}-a{index}", account_id, f"o{worker}-{index}", PRODUCT, amount)
        if capture and result.authorization is not None:
            ledger.capture(f"w{worker}-c{index}", result.authorization.authorization_id)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def bench_steady(directory: str, count: int, warmup: int, capture: bool) -> tuple[float, float]:
    """Return CPU seconds per call and WAL pages per commit of authorize (and capture) on one file."""
    path = os.path.join(directory, f"steady-{capture}.sqlite3")
    accounts = _open_accounts(path, "NORMAL")
    store = SqliteStore(path)
    ledger = Ledger(store, FixedClock())
    amount = Money("100.00", "EUR")
    connection = sqlite3.connect(path, isolation_level=None)

    def run(first: int, last: int) -> None:
        for index in range(first, last):
            result = ledger.authorize(f"a{index}", accounts[index % len(accounts)], f"o{index}", PRODUCT, amount)
            if capture and result.authorization is not None:
                ledger.capture(f"c{index}", result.authorization.authorization_id)

    run(0, warmup)
    # The store checkpoints every CHECKPOINT_EVERY commits on its own thread. With that
    # thread stopped and the WAL emptied, the WAL's size afterwards counts the frames of
    # the timed commits.
    if store._checkpointer is not None:
        store._checkpointer.stop()
        store._checkpointer = None
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    start = time.process_time()
    run(warmup, warmup + count)
    cpu = time.process_time() - start
    frames = (os.path.getsize(f"{path}-wal") - 32) // (24 + page_size)
    connection.close()
    store.close()
    calls = count * (2 if capture else 1)
    return cpu / calls, frames / calls


def bench_library(
    directory: str, synchronous: Literal["NORMAL", "FULL"], processes: int, count: int, capture: bool
) -> float:
    """Return authorizations per second on a fresh file."""
    path = os.path.join(directory, f"lib-{synchronous}-{processes}-{capture}.sqlite3")
    accounts = _open_accounts(path, synchronous)
    if processes == 1:
        elapsed = _authorize_capture(path, synchronous, accounts, 0, count, capture)
    else:
        context = multiprocessing.get_context("fork")
        start = time.perf_counter()
        with context.Pool(processes) as pool:
            pool.starmap(
                _authorize_capture,
                [(path, synchronous, accounts, worker, count, capture) for worker in range(processes)],
            )
        elapsed = time.perf_counter() - start
    return processes * count / elapsed


def _baseline_worker(path: str, synchronous: str, worker: int, count: int) -> float:
    connection = sqlite3.connect(path, isolation_level=None, timeout=60)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    start = time.perf_counter()
    for index in range(count):
        account = (worker * count + index) % ACCOUNTS
        connection.execute("BEGIN IMMEDIATE")
        limit, reserved = connection.execute(
            "SELECT limit_minor, reserved_minor FROM accounts WHERE id = ?", (account,)
        ).fetchone()
        if reserved + 10_000 <= limit:
            connection.execute(
                "INSERT INTO reservations (idempotency_key, account, amount_minor) VALUES (?, ?, ?)",
                (f"w{worker}-{index}", account, 10_000),
            )
            connection.execute(
                "UPDATE accounts SET reserved_minor = reserved_minor + ? WHERE id = ?", (10_000, account)
            )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def bench_baseline(directory: str, synchronous: str, processes: int, count: int) -> float:
    """Return hand-written check-and-reserve transactions per second."""
    path = os.path.join(directory, f"baseline-{synchronous}-{processes}.sqlite3")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, limit_minor INTEGER, reserved_minor INTEGER)")
    connection.execute(
        "CREATE TABLE reservations (id INTEGER PRIMARY KEY, idempotency_key TEXT UNIQUE, account INTEGER, "
        "amount_minor INTEGER)"
    )
    connection.executemany("INSERT INTO accounts VALUES (?, ?, 0)", [(i, 10**12) for i in range(ACCOUNTS)])
    connection.close()
    if processes == 1:
        elapsed = _baseline_worker(path, synchronous, 0, count)
    else:
        context = multiprocessing.get_context("fork")
        start = time.perf_counter()
        with context.Pool(processes) as pool:
            pool.starmap(_baseline_worker, [(path, synchronous, worker, count) for worker in range(processes)])
        elapsed = time.perf_counter() - start
    return processes * count / elapsed


def main() -> None:
    """Run the checkout and authorization benchmarks and print medians and ratios."""
    with tempfile.TemporaryDirectory() as directory:
        bench_options("memory", MemoryStore(), 3000)
        bench_options("sqlite", SqliteStore(Path(directory) / "options.sqlite3"), 3000)
        bench_options_fresh_carts(1000)

        print()
        for synchronous, count in (("NORMAL", 3000), ("FULL", 300)):
            mode: Literal["NORMAL", "FULL"] = "NORMAL" if synchronous == "NORMAL" else "FULL"
            library = bench_library(directory, mode, 1, count, capture=False)
            baseline = bench_baseline(directory, synchronous, 1, count)
            print(
                f"authorize, 1 process, synchronous={synchronous:<6}: library {library:7.0f}/s   "
                f"hand-written sqlite3 {baseline:7.0f}/s   ratio {library / baseline:5.2f}x"
            )
        for capture in (False, True):
            cpu, pages = bench_steady(directory, 2000, 300, capture)
            label = "authorize+capture" if capture else "authorize"
            print(
                f"{label}, 1 process, NORMAL: CPU {format_seconds(cpu):>9} per call   "
                f"{pages:5.2f} WAL pages per commit"
            )
        pairs = bench_library(directory, "NORMAL", 1, 2000, capture=True)
        print(f"authorize+capture, 1 process, NORMAL: {pairs:7.0f} pairs/s ({2 * pairs:7.0f} operations/s)")
        pairs8 = bench_library(directory, "NORMAL", 8, 250, capture=True)
        library8 = bench_library(directory, "NORMAL", 8, 400, capture=False)
        baseline8 = bench_baseline(directory, "NORMAL", 8, 400)
        print(f"authorize+capture, 8 processes, NORMAL: {pairs8:7.0f} pairs/s")
        print(
            f"authorize, 8 processes, NORMAL: library {library8:7.0f}/s   hand-written sqlite3 "
            f"{baseline8:7.0f}/s   ratio {library8 / baseline8:5.2f}x"
        )


if __name__ == "__main__":
    main()
