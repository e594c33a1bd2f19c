"""The raw-data rules on Dask: messages and orders partitioned by shop, one pandas run per part.

Every rule works within a shop (a buyer's messages and orders never cross shops), so a
partition holding whole shops gives exactly what pandas gives on the whole data.  Both
frames are shuffled on ``shop`` into the same number of partitions; equal shops hash to
the same partition number in both, and each pair of partitions runs :func:`compute_raw`.
"""
from __future__ import annotations

import pandas as pd

from .raw import RawMetrics, compute_raw
from .rules import Rules


def _part(messages: pd.DataFrame, orders: pd.DataFrame, rules: Rules, month):
    return compute_raw(messages, orders, rules, month)


def compute_raw_dask(messages, orders, rules: Rules | None = None, month: str | None = None,
                     npartitions: int | None = None) -> RawMetrics:
    """:func:`compute_raw` on ``dask.dataframe`` frames (canonical columns), shop by shop."""
    import dask
    import dask.dataframe as dd

    rules = rules or Rules()
    if not isinstance(messages, dd.DataFrame):
        messages = dd.from_pandas(messages, npartitions=npartitions or 1)
    if not isinstance(orders, dd.DataFrame):
        orders = dd.from_pandas(orders, npartitions=npartitions or 1)
    n = npartitions or max(messages.npartitions, orders.npartitions)
    m = messages.shuffle("shop", npartitions=n)
    o = orders.shuffle("shop", npartitions=n)
    parts = [dask.delayed(_part)(mp, op, rules, month)
             for mp, op in zip(m.to_delayed(), o.to_delayed())]
    results = dask.compute(*parts)

    def cat(name, keys):
        frames = [getattr(r, name) for r in results if len(getattr(r, name))]
        if not frames:
            return getattr(results[0], name)
        return pd.concat(frames, ignore_index=True).sort_values(keys).reset_index(drop=True)

    return RawMetrics(cat("agents", ["shop", "month", "agent"]),
                      cat("shops", ["shop", "month"]),
                      cat("orders", ["shop", "order_id"]),
                      cat("spam", ["shop", "day", "buyer"]), rules)
