"""examples/quickstart.ipynb runs from top to bottom in a real kernel (nbclient) and shows
what it says it shows: the targets' table, the comparison, the fan chart and the search."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def _text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        parts.append(o.get("text", ""))
        parts.append(o.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_the_quickstart_notebook_runs_and_shows_each_step():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "keep the notebook without outputs: this test makes them"
    # the kernel runs in examples/, as Jupyter opens it, and imports this checkout's sim
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute(env=env)

    code = [c for c in nb.cells if c.cell_type == "code"]
    version, scenario, compare, chart, search = code
    assert _text(version).strip().strip("'") == sim_version()
    assert "parks_output" in _text(scenario) and "met_fraction" in _text(scenario)
    assert "public cost 2023-2025: baseline" in _text(compare) and "no_policy" in _text(compare)
    assert any("image/png" in o.get("data", {}) for o in chart.outputs), "the fan chart drew no picture"
    assert "Cheapest policy with P(fai_growth met) >= 0.5" in _text(search) and "4 candidates over 2 levers" in _text(search)


def sim_version() -> str:
    import sim

    return sim.__version__
