"""Time and memory of ``compute_raw`` on generated data with known answers.

    python bench/metrics_bench.py                 # 10 million messages, 1 million orders
    python bench/metrics_bench.py --receptions 250000 --orders 100000

Prints the wall and CPU time of the computation (the data is generated first, in memory)
and the process's peak memory, and checks every agent's receptions, response times,
credited sales and buyers, the spam buyer-days and the silent orders against the answers.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

from metrics_data import generate  # noqa: E402
from kpi_xl.metrics.raw import compute_raw  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--receptions", type=int, default=2_500_000, help="4 messages each")
    ap.add_argument("--orders", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    messages, orders, expected = generate(args.receptions, args.orders)
    t_gen = time.perf_counter() - t0
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c0, w0 = time.process_time(), time.perf_counter()
    result = compute_raw(messages, orders)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    got = result.agents.set_index("agent")
    problems = []
    for col in ("receptions", "buyers"):
        if not (got[col].reindex(expected.index) == expected[col]).all():
            problems.append(col)
    for col in ("first_response_s", "avg_response_s", "sales"):
        if not np.allclose(got[col].reindex(expected.index), expected[col], rtol=0, atol=1e-6):
            problems.append(col)
    if len(result.spam) != expected.attrs["spam_days"]:
        problems.append("spam buyer-days")
    silent = result.shops
    if int(silent["silent_orders"].sum()) != expected.attrs["silent_orders"] or not np.isclose(
            silent["silent_sales"].sum(), expected.attrs["silent_sales"]):
        problems.append("silent orders")
    print(f"messages {len(messages):,}, orders {len(orders):,}, agents {len(got):,}")
    print(f"generate {t_gen:.1f} s; compute_raw wall {wall:.1f} s, CPU {cpu:.1f} s; "
          f"peak RSS {peak:,.0f} MB (data alone {rss_data:,.0f} MB); load average "
          f"{os.getloadavg()[0]:.1f}")
    print("answers: " + ("all agree" if not problems else "DIFFER in " + ", ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
