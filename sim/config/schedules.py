"""Levers as schedules (docs/ODD.md 9.4).

A numeric lever (a `lever` field of sim.config.Policy) is a number, the same every year, or
a schedule {year: number}: piecewise constant, the value of the latest listed year at or
before the year in question, so a schedule lists the first simulated year (the base year
+ 1) and holds its last value after its last year. The Model resolves the levers of each
simulated year once (`by_year`) and applies, in each monthly step, those of the year the
step's month is in.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any


def normalised(value: Any) -> Any:
    """A number as a float; a schedule as {int year: float} in year order (YAML and
    OmegaConf give ints for 10000, and a command line may give string keys). A value of
    another kind is returned as it is, for `validate` to refuse."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        try:
            items = sorted((int(str(k)), v) for k, v in value.items())
        except ValueError:
            return value
        return {year: normalised(v) for year, v in items}
    return value


def value_in(value: float | dict[int, float], year: int) -> float:
    """The lever's value in `year`: the number, or the schedule's value of the latest year
    at or before `year` (its first year's value before it)."""
    if not isinstance(value, dict):
        return float(value)
    listed = [y for y in value if y <= year]
    return float(value[max(listed)] if listed else value[min(value)])


def numeric_levers(policy: Any) -> list[dataclasses.Field]:
    """The fields of `policy` that are numbers or schedules (declared with `lever`)."""
    return [f for f in dataclasses.fields(policy) if f.metadata.get("schedule")]


def is_constant(policy: Any) -> bool:
    """True if no numeric lever of `policy` is a schedule."""
    return not any(isinstance(getattr(policy, f.name), dict) for f in numeric_levers(policy))


def by_year(policy: Any, first: int, last: int) -> dict[int, Any]:
    """`in_year` for each year from `first` to `last`: a model resolves its schedules once,
    then each month looks its year up."""
    return {year: in_year(policy, year) for year in range(first, last + 1)}


def in_year(policy: Any, year: int) -> Any:
    """A copy of `policy` (a sim.config.Policy) with every numeric lever at its value in
    `year`: what the Government applies in that year's months."""
    if is_constant(policy):
        return policy
    return dataclasses.replace(policy, **{f.name: value_in(getattr(policy, f.name), year) for f in numeric_levers(policy)})
