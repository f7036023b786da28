"""Models the agent-based model is checked against: the per-agent Mesa reference that
applies the same rules one firm at a time (reference), and the aggregate capacity model
with the same inputs and no agents (aggregate; experiments/docking.py).

Above sim.model; nothing in sim imports them.
"""
