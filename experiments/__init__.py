"""The experiments behind docs/VALIDATION.md and docs/PERFORMANCE.md, and the one way they write a table."""

import pandas as pd

# The model a result describes, written into every part of docs/validation/ (its `model`
# key): a part made with another model is marked stale on the page. Change it with a
# mechanism that changes the results.
MODEL = "before_plan+posterior+issue28+land_labour"


def markdown_table(header: list[str], rows: list[list[str]], colalign: list[str] | None = None) -> str:
    """A Markdown pipe table of cells already formatted as text, kept as written (no number parsing);
    colalign: "left" or "right" per column (default: left)."""
    return pd.DataFrame(rows, columns=header).to_markdown(index=False, tablefmt="pipe", disable_numparse=True, colalign=colalign)
