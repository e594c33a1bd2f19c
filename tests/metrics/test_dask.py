"""The same rules on dask.dataframe (partitioned by shop) on a LocalCluster: results as pandas."""
import pandas as pd
import pytest

pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed (pip install "
                    "-e '.[dask]')")
pytest.importorskip("distributed", reason="distributed is not installed (pip install -e '.[dask]')")

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from metrics_data import generate

from kpi_xl.metrics.distributed import compute_raw_dask
from kpi_xl.metrics.raw import compute_raw
from kpi_xl.metrics.rules import Rules


def sort(df, keys):
    return df.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize("rules", [Rules(), Rules(credit="first", attribution_window_hours=24,
                                                  response_excluded_hours=("23:00", "09:00"))])
def test_dask_on_local_cluster_equals_pandas(rules):
    from distributed import Client, LocalCluster
    messages, orders, expected = generate(receptions=4000, orders=2000, shops=5,
                                          agents_per_shop=4, spam_share=0.05, seed=3)
    # Assists: some buyers also wrote to another agent of their shop the hour before.
    extra = messages[messages["is_buyer"]].iloc[:800:2].copy()
    extra["time"] -= pd.Timedelta(hours=1)
    extra["agent"] = extra["agent"].str[:-1] + "x"
    messages = pd.concat([messages, extra], ignore_index=True)
    want = compute_raw(messages, orders, rules)
    assert (want.orders["assist_order"] != "").sum() > 0
    # In-process workers talk over in-memory comms: no port opened beyond this process.
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, Client(cluster):
        got = compute_raw_dask(messages, orders, rules, npartitions=3)
    for name, keys in (("agents", ["shop", "month", "agent"]), ("shops", ["shop", "month"]),
                       ("orders", ["shop", "order_id"]), ("spam", ["shop", "day", "buyer"])):
        pd.testing.assert_frame_equal(sort(getattr(got, name), keys),
                                      sort(getattr(want, name), keys), check_dtype=False)
    # And both agree with the answers the data was built with.
    if rules == Rules():
        agents = want.agents.set_index("agent")
        assert agents.loc[expected.index, "receptions"].sum() >= expected["receptions"].sum()
