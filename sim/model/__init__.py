"""State and the step: the Mesa model (`model.Model`, whose `step` is the ODD's process
overview), its agents (Firm, Park, Government), the parts holding its state (the firm store,
the locations, the labour market, the investment pipeline, the sums over firms), the
end-2022 state it starts from, the recorder of its aggregates, the compiled passes over
the firms (kernels) and the random streams derived from a run's seed.

Above sim.config and sim.rules; below sim.runs. `sim.Model` is `model.Model`.
"""
