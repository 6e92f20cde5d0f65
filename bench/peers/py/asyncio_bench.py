#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""asyncio (and uvloop, with --uvloop) side of actio's benchmark cases.

Usage: asyncio_bench.py <case> <N> [--uvloop] [--url URL] [--concurrency C]
Prints one JSON line (see docs/bench.md); "ok" comes from the program checking
its own result.
"""
import asyncio
import concurrent.futures
import json
import sys
import time

MASK64 = (1 << 64) - 1


def splitmix64(seed):
    """The benchmark suite's shared PRNG, identical in every peer."""
    state = seed & MASK64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        yield z ^ (z >> 31)


def delays_us(n, seed=42):
    gen = splitmix64(seed)
    return [next(gen) % 1000001 for _ in range(n)]


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[int(p * (len(sorted_values) - 1))]


async def case_sleep_tasks(n, opts):
    async def sleeper():
        await asyncio.sleep(1)
        return 1

    t0 = time.perf_counter()
    results = await asyncio.gather(*[sleeper() for _ in range(n)])
    wall = time.perf_counter() - t0
    return sum(results) == n, wall, n, {}


async def case_idle(n, opts):
    """N tasks sleeping 10 s: the harness's CPU time is the measure."""
    async def sleeper():
        await asyncio.sleep(10)
        return 1

    t0 = time.perf_counter()
    results = await asyncio.gather(*[sleeper() for _ in range(n)])
    wall = time.perf_counter() - t0
    return sum(results) == n, wall, n, {}


async def case_call_later(n, opts):
    loop = asyncio.get_running_loop()
    delays = delays_us(n)
    done = loop.create_future()
    late = []
    state = {"last_due": float("-inf"), "in_order": True, "fired": 0, "registered": float("inf"),
             "violations": 0, "worst_swap": 0.0}
    # uvloop arms one libuv timer per handle in whole milliseconds relative to
    # the current millisecond tick: deadlines closer than 2 ms may swap.
    resolution = 2e-3 if opts["uvloop"] else 0.0

    def fire(due):
        now = loop.time()
        late.append(now - due)
        # Deadlines that passed while the timers were still being registered
        # cannot be ordered by any loop; the rest must fire in deadline order.
        if due >= state["registered"]:
            if due < state["last_due"] - resolution:
                state["in_order"] = False
                state["violations"] += 1
                state["worst_swap"] = max(state["worst_swap"], state["last_due"] - due)
            state["last_due"] = due
        state["fired"] += 1
        if state["fired"] == n:
            done.set_result(None)

    t0 = time.perf_counter()
    base = loop.time()
    for d in delays:
        due = base + d * 1e-6
        loop.call_at(due, fire, due)
    state["registered"] = loop.time()
    await done
    wall = time.perf_counter() - t0
    late.sort()
    detail = {
        "p50_late_ms": percentile(late, 0.5) * 1e3,
        "p99_late_ms": percentile(late, 0.99) * 1e3,
        "max_late_ms": percentile(late, 1.0) * 1e3,
        "resolution_ms": resolution * 1e3,
        "registration_s": state["registered"] - base,
        "order_violations": state["violations"],
        "worst_swap_ms": state["worst_swap"] * 1e3,
    }
    return state["in_order"] and state["fired"] == n, wall, n, detail


async def case_ping_pong(n, opts):
    requests = asyncio.Queue()
    replies = asyncio.Queue()

    async def ponger():
        while True:
            x = await requests.get()
            if x is None:
                return
            await replies.put(x + 1)

    async def pinger():
        ok = True
        for i in range(n):
            await requests.put(i)
            if await replies.get() != i + 1:
                ok = False
        await requests.put(None)
        return ok

    t0 = time.perf_counter()
    pong = asyncio.create_task(ponger())
    ok = await pinger()
    await pong
    wall = time.perf_counter() - t0
    return ok, wall, n, {}


async def case_gather_trivial(n, opts):
    async def trivial(i):
        return i

    t0 = time.perf_counter()
    results = await asyncio.gather(*[asyncio.create_task(trivial(i)) for i in range(n)])
    wall = time.perf_counter() - t0
    ok = sum(results) == n * (n - 1) // 2 and all(r == i for i, r in enumerate(results))
    return ok, wall, n, {}


async def case_executor(n, opts):
    loop = asyncio.get_running_loop()
    workers, block_s = 16, 0.005

    def job(i):
        time.sleep(block_s)
        return i

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = await asyncio.gather(*[loop.run_in_executor(pool, job, i) for i in range(n)])
    wall = time.perf_counter() - t0
    ideal = n * block_s / workers
    ok = results == list(range(n))
    return ok, wall, n, {"ideal_s": ideal, "ratio_to_ideal": wall / ideal}


async def case_queue(n, opts):
    q = asyncio.Queue(maxsize=1024)

    async def producer():
        for i in range(n):
            await q.put(i)

    async def consumer():
        ok = True
        for i in range(n):
            if await q.get() != i:
                ok = False
        return ok

    t0 = time.perf_counter()
    prod = asyncio.create_task(producer())
    ok = await consumer()
    await prod
    wall = time.perf_counter() - t0
    return ok, wall, n, {}


async def case_generator(n, opts):
    """An async generator drained on one task into a Queue(64), consumed
    on another: asyncio's way to move a generator between tasks."""
    async def numbers():
        for i in range(n):
            yield i

    q = asyncio.Queue(maxsize=64)
    done = object()

    async def producer():
        async for v in numbers():
            await q.put(v)
        await q.put(done)

    async def consumer():
        expect = 0
        ok = True
        while True:
            v = await q.get()
            if v is done:
                break
            ok = ok and v == expect
            expect += 1
        return ok and expect == n

    t0 = time.perf_counter()
    prod = asyncio.create_task(producer())
    ok = await consumer()
    await prod
    wall = time.perf_counter() - t0
    return ok, wall, n, {}


async def case_counter(n, opts):
    lock = asyncio.Lock()
    state = {"value": 0}

    async def worker(delta):
        for i in range(n):
            async with lock:
                state["value"] += delta
            if i & 1023 == 0:
                await asyncio.sleep(0)  # let the other worker interleave

    t0 = time.perf_counter()
    await asyncio.gather(worker(1), worker(-1))
    wall = time.perf_counter() - t0
    return state["value"] == 0, wall, 2 * n, {}


async def case_http_client(n, opts):
    import aiohttp

    url = opts["url"]
    concurrency = opts.get("concurrency", 64)
    expect_len = opts.get("expect_len")
    counter = {"next": 0, "ok": 0, "bad": 0}

    async def worker(session):
        while counter["next"] < n:
            counter["next"] += 1
            async with session.get(url) as resp:
                body = await resp.read()
                if resp.status == 200 and (expect_len is None or len(body) == expect_len):
                    counter["ok"] += 1
                else:
                    counter["bad"] += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    t0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*[worker(session) for _ in range(concurrency)])
    wall = time.perf_counter() - t0
    return counter["ok"] == n and counter["bad"] == 0, wall, n, {"bad": counter["bad"]}


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def parse_opts(args):
    opts = {"uvloop": False}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--uvloop":
            opts["uvloop"] = True
        elif a == "--url":
            i += 1
            opts["url"] = args[i]
        elif a == "--concurrency":
            i += 1
            opts["concurrency"] = int(args[i])
        elif a == "--expect-len":
            i += 1
            opts["expect_len"] = int(args[i])
        else:
            raise SystemExit(f"unknown option {a}")
        i += 1
    return opts


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in CASES:
        raise SystemExit(f"usage: {sys.argv[0]} <{'|'.join(CASES)}> <N> [--uvloop]")
    case, n = sys.argv[1], int(sys.argv[2])
    opts = parse_opts(sys.argv[3:])
    impl = "asyncio"
    if opts["uvloop"]:
        import uvloop

        uvloop.install()
        impl = "uvloop"
    ok, wall, ops, detail = asyncio.run(CASES[case](n, opts))
    print(json.dumps({"case": case, "impl": impl, "n": n, "ok": bool(ok), "wall_s": wall,
                      "ops_per_s": ops / wall if wall > 0 else 0.0, "detail": detail}))


if __name__ == "__main__":
    main()
