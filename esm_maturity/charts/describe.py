"""Text alternatives for the charts: one sentence per chart that states its figures, from the same
aggregated rows the chart draws (so a screen reader, a search and an exported SVG get the numbers too).

Each function takes the chart's data frame and returns plain text, never Markdown: it may quote user
text (department and dimension names, item keys). It goes into the chart's `description` (the
browser's aria-label, an SVG's description); whoever puts it into Markdown escapes it first
(`esm_maturity.ui.text.esc`). Pure pandas over small frames: no database, no streamlit.
"""

from __future__ import annotations

import pandas as pd


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _extremes(values: pd.Series, fmt: str = ".1f", what: str = "") -> str:
    """'highest [what] A 3.8, lowest B 1.9' over a named series (NaN left out); '' when nothing is known."""
    known = values.dropna()
    if known.empty:
        return ""
    ordered = known.sort_values(kind="stable")
    high, low = ordered.index[-1], ordered.index[0]
    if len(known) == 1 or ordered.iloc[-1] == ordered.iloc[0]:
        return f"all at {ordered.iloc[0]:{fmt}}" if len(known) > 1 else f"{high} {ordered.iloc[0]:{fmt}}"
    what = f"{what} " if what else ""
    return f"highest {what}{high} {ordered.iloc[-1]:{fmt}}, lowest {low} {ordered.iloc[0]:{fmt}}"


def heatmap(frame: pd.DataFrame) -> str:
    """'10 departments × 9 dimensions; 6 with submitted scores: highest mean level A 3.8, lowest B 2.6;
    4 not submitted.'"""
    departments, dimensions = frame["department"].nunique(), frame["dimension"].nunique()
    text = f"{_plural(departments, 'department')} × {_plural(dimensions, 'dimension')}"
    means = _num(frame["score"]).groupby(frame["department"]).mean()
    missing = (frame["cell"] == "not submitted").groupby(frame["department"]).all().sum()
    known = means.dropna()
    if known.empty:
        return f"{text}; no submitted scores."
    text += f"; {len(known)} with submitted scores: " + _extremes(known, what="mean level")
    return text + (f"; {int(missing)} not submitted." if missing else ".")


def department_trend(frame: pd.DataFrame) -> str:
    """'Overall level 2025-Q1 to 2026-Q4: 1.8 in 2025-Q1, 4.0 in 2026-Q4 (target 4.6, organisation 3.4).'"""
    data = frame.assign(overall=_num(frame["overall"]), target=_num(frame["target"]),
                        organisation=_num(frame["organisation"]))
    quarters = list(data["quarter"])
    known = data.dropna(subset=["overall"])
    span = f"{quarters[0]} to {quarters[-1]}" if quarters else "no quarters"
    if known.empty:
        return f"Overall level {span}: no submitted assessment."
    first, last = known.iloc[0], known.iloc[-1]
    extra = [f"target {last['target']:.1f}" if pd.notna(last["target"]) else "",
             f"organisation {last['organisation']:.1f}" if pd.notna(last["organisation"]) else ""]
    extra = ", ".join(e for e in extra if e)
    text = f"Overall level {span}: "
    text += (f"{first['overall']:.1f} in {first['quarter']}, " if len(known) > 1 else "")
    text += f"{last['overall']:.1f} in {last['quarter']}" + (f" ({extra})" if extra else "")
    gaps = len(data) - len(known)
    return text + (f"; {_plural(gaps, 'quarter')} without a submitted assessment." if gaps else ".")


def dimension_multiples(frame: pd.DataFrame) -> str:
    """'9 dimensions, 2025-Q1 to 2026-Q4; latest levels: highest A 5, lowest B 2; 4 of 9 at or above target.'"""
    data = frame.assign(score=_num(frame["score"]), target=_num(frame["target"])).sort_values("quarter")
    quarters = sorted(data["quarter"].unique())
    text = f"{_plural(data['dimension'].nunique(), 'dimension')}"
    text += f", {quarters[0]} to {quarters[-1]}" if quarters else ""
    latest = data.dropna(subset=["score"]).groupby("dimension").tail(1).set_index("dimension")
    if latest.empty:
        return text + "; no levels scored."
    met = int((latest["score"] >= latest["target"]).sum())
    return (f"{text}; latest levels: {_extremes(latest['score'], '.0f')}; "
            f"{met} of {len(latest)} at or above target.")


def department_gaps(frame: pd.DataFrame) -> str:
    """'9 dimensions scored, 5 at or above target; largest gap A (level 2, target 3).'"""
    data = frame.assign(score=_num(frame["score"]), target=_num(frame["target"]), gap=_num(frame["gap"]))
    scored = data.dropna(subset=["score"])
    if scored.empty:
        return "No dimension scored."
    met = int((scored["gap"] <= 0).sum())
    text = f"{_plural(len(scored), 'dimension')} scored, {met} at or above target"
    behind = scored[scored["gap"] > 0].sort_values("gap", ascending=False, kind="stable")
    if behind.empty:
        return text + "."
    worst = behind.iloc[0]
    return text + f"; largest gap {worst['dimension']} (level {worst['score']:.0f}, target {worst['target']:.0f})."


def organisation_gaps(frame: pd.DataFrame) -> str:
    """'Mean gap to target over 9 dimensions: highest A 1.2, lowest B 0.3 levels.'"""
    gaps = _num(frame["gap"]).set_axis(frame["dimension"])
    return f"Mean gap to target over {_plural(len(frame), 'dimension')}: {_extremes(gaps)} levels."


def distribution(frame: pd.DataFrame) -> str:
    """'54 scores over 9 dimensions: level 1 6, level 2 10, ... N/A 1; most common level 5.'"""
    counts = frame.groupby("level")["departments"].sum()
    order = [k for k in ["1", "2", "3", "4", "5", "N/A"] if k in counts.index]
    parts = ", ".join(f"{'N/A' if k == 'N/A' else 'level ' + k} {int(counts[k])}" for k in order)
    levels = counts.drop("N/A", errors="ignore")
    common = f"; most common level {levels.idxmax()}" if len(levels) else ""
    return (f"{int(counts.sum())} scores over {_plural(frame['dimension'].nunique(), 'dimension')}: "
            f"{parts}{common}.")


def movers(frame: pd.DataFrame) -> str:
    """'4 departments changed: most up A +0.22, most down B -0.11.'"""
    change = _num(frame["change"]).set_axis(frame["department"]).sort_values(kind="stable")
    text = f"{_plural(len(change), 'department')} changed"
    up, down = change[change > 0], change[change < 0]
    parts = ([f"most up {up.index[-1]} {up.iloc[-1]:+.2f}"] if len(up) else []) + \
            ([f"most down {down.index[0]} {down.iloc[0]:+.2f}"] if len(down) else [])
    return text + (": " + ", ".join(parts) if parts else "") + "."


def opened_closed(frame: pd.DataFrame) -> str:
    """'2025-Q1 to 2026-Q4: 60 raised, 9 closed; 2026-Q4: 8 raised, 6 closed.'"""
    if frame.empty:
        return "No improvements raised or closed."
    last = frame.iloc[-1]
    return (f"{frame['quarter'].iloc[0]} to {last['quarter']}: {int(frame['opened'].sum())} raised, "
            f"{int(frame['closed'].sum())} closed; {last['quarter']}: {int(last['opened'])} raised, "
            f"{int(last['closed'])} closed.")


def counts(frame: pd.DataFrame, category: str, what: str = "open improvements") -> str:
    """'45 open improvements: idea 10, accepted 7, ...' (work in progress, age of open improvements)."""
    parts = ", ".join(f"{row[category]} {int(row['items'])}" for _, row in frame.iterrows())
    return f"{int(frame['items'].sum())} {what}" + (f": {parts}." if parts else ".")


def cycle_time(frame: pd.DataFrame) -> str:
    """'Median days from raised to closed: 420 in 2026-Q4 (6 closed); 3 quarters with closures.'"""
    known = frame[_num(frame["median_days"]).notna()]
    if known.empty:
        return "No improvement closed in these quarters."
    last = known.iloc[-1]
    return (f"Median days from raised to closed: {float(last['median_days']):.0f} in {last['quarter']} "
            f"({int(last['closed'])} closed); {_plural(len(known), 'quarter')} with closures.")


def dimension_averages(frame: pd.DataFrame) -> str:
    """'Mean level over 9 dimensions: highest A 4.7 (target 5.0), lowest B 2.5 (target 3.7).'"""
    data = frame.assign(average=_num(frame["average"]), target=_num(frame["target"]))
    known = data.dropna(subset=["average"]).sort_values("average", kind="stable")
    if known.empty:
        return "No submitted scores."

    def one(row) -> str:
        target = f" (target {row['target']:.1f})" if pd.notna(row["target"]) else ""
        return f"{row['dimension']} {row['average']:.1f}{target}"

    if len(known) == 1:
        return f"Mean level: {one(known.iloc[0])}."
    return (f"Mean level over {_plural(len(known), 'dimension')}: highest {one(known.iloc[-1])}, "
            f"lowest {one(known.iloc[0])}.")


def value_effort(frame: pd.DataFrame, quick_win_efforts: tuple[str, ...] = ("S", "M")) -> str:
    """'40 open improvements by effort and value; 7 quick wins (value 4-5, effort S or M); highest
    priority CI-0022 (10.0).'"""
    value, priority = _num(frame["value"]), _num(frame["priority"])
    quick = int(((value >= 4) & frame["effort"].isin(quick_win_efforts)).sum())
    text = (f"{_plural(len(frame), 'open improvement')} by effort and value; "
            f"{_plural(quick, 'quick win')} (value 4-5, effort {' or '.join(quick_win_efforts)})")
    if priority.notna().any():
        top = frame.loc[priority.idxmax()]
        text += f"; highest priority {top['item_id']} ({priority.max():.1f})"
    return text + "."
