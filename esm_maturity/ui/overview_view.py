"""What the Overview (the landing page) reads, in one place: the page draws it, and the server's warm-up
(ui/server.py) reads it before the first person arrives. Every read goes through the shared cache."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import clock, overview
from ..charts import figures as charts
from ..checkins import cadence
from ..checkins.cadence import Cadence
from ..db import Database
from ..models import Quarter
from .cached import read, source
from .chart_export import Plot, browser_spec_of


@dataclass(frozen=True)
class Landing:
    completion: pd.DataFrame     # every active department's assessment status for the quarter
    averages: pd.DataFrame       # the organisation's mean level and target per dimension
    movers: pd.DataFrame
    cadence: Cadence


def reads(db: Database, quarter: Quarter, today: dt.date) -> Landing:
    return Landing(read(db, overview.completion, quarter), read(db, overview.dimension_averages, quarter),
                   read(db, overview.movers, quarter), read(db, cadence.cadence, today))


def averages_chart(db: Database, quarter: Quarter, averages: pd.DataFrame) -> Plot:
    return Plot(charts.dimension_averages, averages, source=source(db, overview.dimension_averages, quarter))


def warm(db: Database) -> None:
    """Read what the landing page shows on its first visit (this quarter) and build its chart."""
    if not read(db, overview.has_data):
        return
    quarter, today = Quarter.current(), clock.today()
    landing = reads(db, quarter, today)
    if landing.averages["departments"].sum():
        browser_spec_of(averages_chart(db, quarter, landing.averages))
