"""The package's layout: wings that import only downwards, no circles, and results that did
not change when the modules moved into them."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
# each wing imports only from its own and lower ranks (sweep and checks: side by side)
RANKS = {"config": 0, "rules": 1, "model": 2, "runs": 3, "sweep": 4, "checks": 4, "dashboard": 5, "": 6, "command": 7}  # command: the console command, above all


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The sim modules `path` imports, anywhere in it (lazy imports in functions too)."""
    package = module_of(path) if path.name == "__init__.py" else module_of(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "sim"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "sim":
                continue
            for a in node.names:  # `from sim.rules import growth` imports the module sim.rules.growth
                sub = f"{target}.{a.name}"
                found.add(sub if (SIM.parent / (sub.replace(".", "/") + ".py")).exists() or (SIM.parent / sub.replace(".", "/")).is_dir() else target)
    return found


def wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def graph() -> dict[str, set[str]]:
    return {module_of(p): imports(p) for p in SIM.rglob("*.py") if "fonts" not in p.parts}


def test_the_wings_import_only_downwards():
    wrong = [f"{m} ({wing(m)}) imports {t} ({wing(t)})" for m, targets in graph().items() for t in targets
             if RANKS[wing(t)] > RANKS[wing(m)] or (wing(m) != wing(t) and RANKS[wing(t)] == RANKS[wing(m)])]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_back():
    """No circle of imports between sim's modules, lazy ones included (a package's __init__
    re-exporting its own modules is not a circle: its modules import their siblings directly)."""
    g = {m: {t for t in ts if t != m} for m, ts in graph().items()}
    packages = {module_of(p) for p in SIM.rglob("__init__.py")}
    for m in list(g):  # a module importing its own package's __init__ would close a circle through it
        parent = m.rpartition(".")[0]
        assert parent not in g[m] or m in packages, f"{m} imports its own package {parent}: import the sibling module"
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for t in g.get(m, ()):
            if t in packages and t != "sim" and m.startswith(t + "."):
                continue
            if seen.get(t) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in seen:
                visit(t)
        stack.pop()
        seen[m] = 2

    for m in sorted(g):
        if m not in seen:
            visit(m)


def test_every_wing_says_what_it_offers():
    for init in SIM.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"{init.relative_to(ROOT)} has no docstring saying what the wing offers"


# sha256 of a fixed run's result files. The move into wings (7344adc) and the Model's parts
# (64cf548) left them as they were before (5231b7d). A commit that changes a mechanism or the
# draws on purpose changes them too, and says so in its message: the regime before the plan
# (the investment lag, the prehistory of the levers before 2023), and, for the run under
# uncertainty=parameters, the priors centred on the defaults (sim/config/priors.py); the
# same run under uncertainty=seeds (SEEDS) kept its bytes through the priors' change. Both
# changed with the posterior (configs/fit/hangzhou_2022.yaml's medians as the configured
# values, uncertainty=posterior the default), and with the clearing of the plot that
# straddles what the renovation programme owes (sim/rules/renovation.py: no overshoot), and
# with issue 28's young firms that grow (growth.young), the plants' own recruits
# (params.project_recruits_share) and the upgrade in place of firms the renovation
# programme takes (params.upgrade_share), and the services counted in the clusters; and with
# the park data drawn from their ranges (the platform stock, the leading shares): the run
# under seeds kept its results, its parameters.parquet has their columns; and with a firm's
# skilled workers per 亿 following its floor space per 亿 (params.land_labour_link).
BEFORE = {
    "targets.json": "8182892db6f4dcc08bb313817aa7fc48b864e5c9b4403953868dc1bb5ff4cce8",
    "timeseries.parquet": "777fbca5c5ed4e5bce13dd9074ce14c420913628374cc78f47917e8847960a06",
    "parameters.parquet": "593bcaf9ee9871928f6a46629cfa8bd71b80532bf70155bf5d0872adee259c57",
}
SEEDS = {
    "targets.json": "3027fde8e767bac57a54ba44a65be2e720d5ed6e24942df9a0e380332e230afd",
    "timeseries.parquet": "c2de3e5bd6a63193a318afd114ee78df2cf22e9cd74c64aaa60ac8d5b1749877",
    "parameters.parquet": "b03f5631b719a263ffe488886c4f7937db85cc21bea3738bffb19d34ebcd135b",
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_a_fixed_run_gives_the_same_bytes_as_before_the_move(name, fixed_run):
    assert hashlib.sha256((fixed_run / name).read_bytes()).hexdigest() == BEFORE[name]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_a_fixed_run_under_seeds_gives_the_same_bytes(name, fixed_seeds_run):
    assert hashlib.sha256((fixed_seeds_run / name).read_bytes()).hexdigest() == SEEDS[name]


def _fixed(out, **settings):
    from sim import load_config
    from sim.runs.simulate import simulate

    simulate(load_config(scenario="baseline", firms_scale=0.05, replications=2, seed=3, progress=False, outputs="cells", **settings), out)
    return out


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    return _fixed(tmp_path_factory.mktemp("fixed"))


@pytest.fixture(scope="module")
def fixed_seeds_run(tmp_path_factory):
    return _fixed(tmp_path_factory.mktemp("fixed_seeds"), uncertainty="seeds")
