"""docs/VALIDATION.md is generated from the committed results (docs/validation/*.json)."""

import json

from experiments import validation


def test_validation_page_is_the_rendering_of_the_committed_results():
    parts = validation.load({k: validation.DOCS / "validation" / f"{k}.json" for k in validation.PARTS})
    page = (validation.DOCS / "VALIDATION.md").read_text(encoding="utf-8")
    assert validation.render(*parts, quick=False) == page  # re-run: python -m experiments.validation --render
    for heading in ("## Which verdicts depend on the reading of the plan", "## The posterior: parameters conditioned on the history before the plan",
                    "### Posterior predictive check", "## Forecasts stated in advance: 2023-2030", "## Stylized facts",
                    "## The levers one at a time, paired", "## Docking: the agent-based model against an aggregate capacity model",
                    "## Global sensitivity analysis", "## What the model cannot reproduce"):
        assert heading in page


def test_every_failed_fact_and_unidentified_parameter_is_listed():
    post, fac = (json.loads((validation.DOCS / "validation" / f"{k}.json").read_text(encoding="utf-8")) for k in ("posterior", "facts"))
    check = validation.DOCS / "validation" / "posterior_check.json"
    chk = json.loads(check.read_text(encoding="utf-8")) if check.exists() else None
    listed = "\n".join(validation._limitations(post, chk, fac))
    for key, f in fac["facts"].items():
        if key in validation.facts.FACTS and not f["all_pass"]:
            assert f["fact"] in listed
    for p in post["parameters"]:
        if not p["identified"]:
            assert f"`{p['key']}`" in listed
    for r in (chk or {}).get("moments", []):
        if not r["band"][0] <= r["posterior"]["median"] <= r["band"][1]:
            assert r["label"] in listed
