"""Time and memory of ``compute_raw`` on generated data with known answers.

    python bench/metrics_bench.py                 # 10 million messages, 1 million orders
    python bench/metrics_bench.py --receptions 250000 --orders 100000
    python bench/metrics_bench.py --write-files /tmp/m && python bench/metrics_bench.py --from-files /tmp/m

Prints the wall and CPU time of the computation (the data is generated first, in memory)
and the process's peak memory, and checks every agent's receptions, inquiries, response
times, credited sales and buyers, the spam buyer-days and the silent orders against the
answers.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np
from metrics_data import generate

from kpi_xl.metrics.raw import compute_raw

COUNTS = ("receptions", "inquiries", "buyers")   # checked exactly


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--receptions", type=int, default=2_500_000, help="4 messages each")
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--write-files", metavar="DIR", help="write the data as CSV files and stop")
    ap.add_argument("--from-files", metavar="DIR",
                    help="time compute_metrics on the CSV files of --write-files")
    args = ap.parse_args(argv)
    if args.write_files:
        write_files(args.write_files, args.receptions, args.orders)
        return 0
    if args.from_files:
        return from_files(args.from_files)
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
    for col in COUNTS:
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


def write_files(folder: str, receptions: int, orders_n: int) -> None:
    """The generated data as a shop exports it (CSV, Chinese headers) and the answers."""
    os.makedirs(folder, exist_ok=True)
    messages, orders, expected = generate(receptions, orders_n)
    messages = messages.assign(sender=np.where(messages["is_buyer"], "买家", "客服"))
    messages.rename(columns={"shop": "店铺", "time": "时间", "buyer": "买家", "agent": "客服",
                             "sender": "发送方", "text": "内容"}).drop(columns="is_buyer").to_csv(
        os.path.join(folder, "chats.csv"), index=False)
    del messages
    orders.rename(columns={"shop": "店铺", "order_id": "订单号", "buyer": "买家",
                           "created": "下单时间", "paid": "付款时间", "paid_amount": "实付金额",
                           "refund_amount": "退款金额"}).to_csv(
        os.path.join(folder, "orders.csv"), index=False)
    expected.to_csv(os.path.join(folder, "expected.csv"))
    print(f"wrote {folder}/chats.csv, orders.csv and expected.csv")


def from_files(folder: str) -> int:
    """compute_metrics on the CSV files, in a process that holds nothing else."""
    import pandas as pd

    from kpi_xl.metrics import compute_metrics
    c0, w0 = time.process_time(), time.perf_counter()
    result = compute_metrics([os.path.join(folder, "chats.csv"),
                              os.path.join(folder, "orders.csv")])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    expected = pd.read_csv(os.path.join(folder, "expected.csv"), index_col=0)
    got = result.raw.agents.set_index("agent").reindex(expected.index)
    same = bool((got[list(COUNTS)] == expected[list(COUNTS)]).all().all() and np.allclose(
        got[["first_response_s", "avg_response_s", "sales"]], expected[
            ["first_response_s", "avg_response_s", "sales"]], rtol=0, atol=1e-6))
    print(f"compute_metrics from CSV files (read, checked, computed): wall {wall:.1f} s, "
          f"CPU {cpu:.1f} s; peak RSS {peak:,.0f} MB; load average {os.getloadavg()[0]:.1f}")
    print("answers: " + ("all agree" if same else "DIFFER"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
