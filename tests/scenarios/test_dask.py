"""Replications on a Dask cluster give the numbers of a local run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cosen.cli.scenario import scenario as scenario_group
from cosen.scenarios.indicators import summarize
from cosen.scenarios.runner import run_replications
from tests.scenarios.builders import SMALL, small
from tests.scenarios.test_simulate import assert_same

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_dask_replications_equal_local_ones(address: str) -> None:
    scenarios = [
        small(simulation__days=21, simulation__replications=2),
        small(simulation__days=21, capacity__scale=0.5),
    ]
    local = run_replications(scenarios, workers=1)
    remote = run_replications(scenarios, dask_address=address)
    assert [len(r) for r in remote] == [2, 3]
    for mine, theirs in zip(local, remote, strict=True):
        for one, two in zip(mine, theirs, strict=True):
            assert_same(one, two)
    assert summarize(scenarios[1], local[1]).as_json() == (
        summarize(scenarios[1], remote[1]).as_json()
    )


def test_run_with_dask_option(address: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL.replace("days = 42", "days = 21"), encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(scenario_group, ["run", str(plan), "--json"])
    remote = runner.invoke(
        scenario_group, ["run", str(plan), "--json", "--dask", address]
    )
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert json.loads(local.stdout) == json.loads(remote.stdout)


def test_unreachable_cluster_is_one_french_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL, encoding="utf-8")
    result = CliRunner().invoke(
        scenario_group, ["run", str(plan), "--dask", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Erreur : option --dask : impossible de joindre le cluster Dask à "
        "l'adresse « tcp://127.0.0.1:9 »."
    ]
