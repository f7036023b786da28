"""The mechanisms: pure functions over arrays (or scalars: the per-agent reference applies the
same functions one firm at a time), one module per thing modelled.

growth (productivity, shocks, investment), space (floor space and land), talent (skilled
workers), markets (rationing and the labour market's matching), production (output from
floor space and skilled labour), projects (large investment projects), renovation (which
firms the renovation programme clears), fund (the special fund's grants and subsidies),
relocation (location choice), demography (entry and exit), population (the synthetic
end-2022 firms), costs (what a policy costs the city), exogenous (price and services
paths), ops (the numpy functions the rules use, with a scalar meaning in compiled code).

Above sim.config; below the model, which orders them each step.
"""
