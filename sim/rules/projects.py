"""Investment projects: the large new plants and expansions that investment attraction
brings (ODD: Projects). A project has a sector, a location, an investment size, land for
its plant and a build time; its spending is FAI while it is built (buildings and equipment,
counted once), then its capacity starts producing.

The book of projects is a small struct of arrays (tens to hundreds of projects, against
tens of thousands of firms): rows are appended when projects start and dropped when they
complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config.params import Params
from .population import pareto_quantile

FIELDS = {
    "sector": np.int8,
    "location": np.int16,
    "size_yi": np.float64,  # total investment, 亿元
    "months": np.int32,  # build time
    "left": np.int32,  # months of building left
    "pick": np.float64,  # a new plant: -1; an expansion: the uniform that picks the incumbent
}


@dataclass
class ProjectBook:
    """The projects being built; one row per simulated project (it stands for `weight`)."""

    rows: dict[str, np.ndarray] = field(default_factory=lambda: {k: np.zeros(0, dtype=t) for k, t in FIELDS.items()})

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["rows"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self) -> int:
        return self.rows["sector"].size

    def add(self, **values: np.ndarray) -> None:
        if set(values) != set(FIELDS):
            raise AttributeError(f"a project needs exactly the fields {sorted(FIELDS)}")
        for k, t in FIELDS.items():
            self.rows[k] = np.concatenate([self.rows[k], np.asarray(values[k], dtype=t)])

    def drop(self, mask: np.ndarray) -> dict[str, np.ndarray]:
        """Remove the rows in `mask`; returns them."""
        out = {k: v[mask] for k, v in self.rows.items()}
        self.rows = {k: v[~mask] for k, v in self.rows.items()}
        return out


def sizes(params: Params, u: np.ndarray) -> np.ndarray:
    """Investment of projects (亿元): Pareto(project_size_alpha) between the smallest
    counted project and the largest, by inverse CDF on uniforms `u`."""
    return pareto_quantile(u, params.project_size_alpha, params.project_min_yi, params.project_max_yi)


def build_months(params: Params) -> int:
    return max(int(round(12.0 * params.project_build_years)), 1)


def capacity(params: Params, size_yi):
    """Yearly output (亿元) a completed project adds."""
    return size_yi / params.project_capital_output


def spending(book: ProjectBook, dt: float) -> np.ndarray:
    """Each project's spending this step, as a yearly rate (亿/yr): its investment spread
    evenly over its build time."""
    return book.size_yi / (book.months * dt) if len(book) else np.zeros(0)
