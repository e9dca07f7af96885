"""Load on the web app: p50 / p95 / p99 latency of the main pages and API calls.

The sample product scaled ×10 (items, feedback and history copied with new keys, references
remapped) is stored in SQLite (and in PostgreSQL with --pg-url); the app runs in its own
process (uvicorn, one worker) on loopback, and a load generator (httpx, asyncio) keeps N
users busy for a fixed time at each concurrency level. Each user requests the pages and API
calls in turn, without think time. The engines' results are cached per workspace state, so
the first request after a change computes them; the run warms the cache first and reports
that warm-up time separately.

    python benchmarks/web_load.py                         # SQLite, 1 / 10 / 50 users
    python benchmarks/web_load.py --pg-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from roadwise.domain import Workspace

PASSWORD = "load-test-password"
PAGES = ("dashboard", "backlog", "item page")
TARGET_P95_MS = 200.0


def scaled(ws: Workspace, factor: int) -> Workspace:
    """``factor`` copies of the backlog, feedback and history (copy 0 keeps the keys)."""
    if factor <= 1:
        return ws

    def k(key: str | None, n: int) -> str | None:
        return key if key is None or n == 0 else f"{key}-x{n}"

    items, feedback, history = [], [], []
    for n in range(factor):
        for i in ws.items:
            items.append(
                i.model_copy(
                    update={
                        "key": k(i.key, n),
                        "parent": k(i.parent, n),
                        "dependencies": [
                            d.model_copy(update={"item": k(d.item, n)}) for d in i.dependencies
                        ],
                    }
                )
            )
        for f in ws.feedback:
            links = [link.model_copy(update={"item": k(link.item, n)}) for link in f.links]
            feedback.append(f.model_copy(update={"key": k(f.key, n), "links": links}))
        for h in ws.history:
            history.append(h.model_copy(update={"key": k(h.key, n)}))
    return ws.copy_with(items=items, feedback=feedback, history=history)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, factor: int, seed: int) -> dict[str, Any]:
    from roadwise.sample import generate_sample
    from roadwise.views.web import accounts
    from roadwise.workspace import open_store

    ws = scaled(generate_sample(seed=seed), factor)
    store = open_store(url)
    started = time.perf_counter()
    store.replace(ws, actor="benchmark")
    stored_s = time.perf_counter() - started
    if accounts.get_user(store, "load") is None:
        accounts.add_user(store, "load", PASSWORD, "viewer")
    token = accounts.create_token(store, "load", "web_load benchmark")
    keys = [i.key for i in ws.open_items()]
    store.close()
    return {
        "token": token,
        "keys": keys,
        "items": len(ws.items),
        "feedback": len(ws.feedback),
        "history": len(ws.history),
        "store_s": stored_s,
    }


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import sys, uvicorn; from roadwise.views.web import create_app; "
        "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), "
        "log_level='warning', access_log=False, timeout_keep_alive=30)"
    )
    return subprocess.Popen([sys.executable, "-c", code, url, str(port)])


async def wait_until_up(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(base + "/login")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the web server did not start")


async def login(client: httpx.AsyncClient, base: str) -> None:
    page = await client.get(base + "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = await client.post(
        base + "/login",
        data={"csrf_token": token.group(1), "username": "load", "password": PASSWORD},
    )
    if r.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {r.status_code}")


def requests_for(keys: list[str], rng: random.Random) -> list[tuple[str, str]]:
    key = rng.choice(keys)
    return [
        ("dashboard", "/"),
        ("backlog", "/backlog"),
        ("item page", f"/items/{key}"),
        ("API items (ready, 100)", "/api/items?status=ready&limit=100"),
        ("API item", f"/api/items/{key}"),
        ("API priorities", "/api/priorities"),
    ]


async def run_level(
    base: str, token: str, keys: list[str], users: int, seconds: float, seed: int
) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {}
    errors = 0
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with (
        httpx.AsyncClient(limits=limits, timeout=60.0) as pages,
        httpx.AsyncClient(
            limits=limits, timeout=60.0, headers={"Authorization": f"Bearer {token}"}
        ) as api,
    ):
        await login(pages, base)
        stop = time.monotonic() + seconds

        async def user(n: int) -> None:
            nonlocal errors
            rng = random.Random(seed * 1000 + n)
            while time.monotonic() < stop:
                for name, path in requests_for(keys, rng):
                    client = api if path.startswith("/api") else pages
                    started = time.perf_counter()
                    try:
                        r = await client.get(base + path)
                    except httpx.TransportError:
                        # A dropped connection counts as a failed request, not as a latency.
                        errors += 1
                        continue
                    elapsed = (time.perf_counter() - started) * 1000
                    if r.status_code != 200:
                        errors += 1
                    latencies.setdefault(name, []).append(elapsed)

        await asyncio.gather(*(user(n) for n in range(users)))
    if errors:
        print(f"  warning: {errors} responses were not 200", file=sys.stderr)
    return latencies


def measure(
    label: str, url: str, factor: int, users: list[int], seconds: float, seed: int
) -> list[dict[str, Any]]:
    info = prepare(url, factor, seed)
    print(
        f"{label}: {info['items']:,} items, {info['feedback']:,} feedback texts, "
        f"{info['history']:,} history records stored in {info['store_s']:.1f} s",
        flush=True,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port)
    rows: list[dict[str, Any]] = []
    try:
        asyncio.run(wait_until_up(base))
        started = time.perf_counter()  # warm the engine cache: the first view after a change
        asyncio.run(run_level(base, info["token"], info["keys"], 1, 0.001, seed))
        print(f"  warm-up (load + prioritise + forecast): {time.perf_counter() - started:.1f} s")
        for n in users:
            lat = asyncio.run(run_level(base, info["token"], info["keys"], n, seconds, seed))
            total = sum(len(v) for v in lat.values())
            for name, values in lat.items():
                a = np.asarray(values)
                rows.append(
                    {
                        "store": label,
                        "users": n,
                        "request": name,
                        "count": int(a.size),
                        "p50_ms": float(np.percentile(a, 50)),
                        "p95_ms": float(np.percentile(a, 95)),
                        "p99_ms": float(np.percentile(a, 99)),
                        "throughput_rps": total / seconds,
                    }
                )
            print(f"  {n} users: {total / seconds:.0f} requests/s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="copies of the sample product")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=15.0, help="load time per level")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", help="also measure on this PostgreSQL database (replaced!)")
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="roadwise-web-load-") as tmp:
        rows += measure(
            "SQLite", os.path.join(tmp, "load.db"), args.scale, args.users, args.seconds, args.seed
        )
    if args.pg_url:
        rows += measure("PostgreSQL", args.pg_url, args.scale, args.users, args.seconds, args.seed)

    print()
    head = ("store", "users", "request", "n", "p50 ms", "p95 ms", "p99 ms")
    print("{:10} {:>5}  {:24} {:>6} {:>8} {:>8} {:>8}".format(*head))
    for r in rows:
        print(
            f"{r['store']:10} {r['users']:>5}  {r['request']:24} {r['count']:>6} "
            f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f}"
        )
    for store in sorted({r["store"] for r in rows}):
        worst = max(
            (
                r["p95_ms"]
                for r in rows
                if r["store"] == store and r["users"] == 10 and r["request"] in PAGES
            ),
            default=float("nan"),
        )
        verdict = "meets" if worst < TARGET_P95_MS else "misses"
        print(
            f"{store}: slowest page p95 at 10 users {worst:.0f} ms ({verdict} the "
            f"{TARGET_P95_MS:.0f} ms target)"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
