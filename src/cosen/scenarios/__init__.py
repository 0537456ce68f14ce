"""Capacity scenarios: simulate demand against reserved capacity.

Planners decide how many slots each centre reserves for the scheme. A
scenario (TOML, :mod:`~cosen.scenarios.loader`, parameters in
:mod:`~cosen.scenarios.params`) describes the demand, the capacity and the
patients' behaviour; :mod:`~cosen.scenarios.simulate` plays it day by day
through the real eligibility rules and allocation engine;
:mod:`~cosen.scenarios.runner` runs the replications in processes or on
Dask; :mod:`~cosen.scenarios.indicators` summarizes them with confidence
intervals; :mod:`~cosen.scenarios.sweep` varies parameters;
:mod:`~cosen.scenarios.report` prints what planners read,
:mod:`~cosen.scenarios.outputs` and :mod:`~cosen.scenarios.charts` write
it; :mod:`~cosen.cli.scenario` is ``cosen scenario``.

Nothing is imported here, so that the command line starts fast.
"""
