"""The one list of pages. app.py builds its navigation from it; tests walk it."""

from __future__ import annotations

from dataclasses import dataclass

from ..access.policy import Permission


@dataclass(frozen=True)
class PageSpec:
    path: str          # relative to the project root
    title: str
    icon: str
    url_path: str      # "" for the landing page
    needs: Permission | None = None   # shown only to people who hold this permission


PAGES: list[PageSpec] = [
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", ""),
    PageSpec("pages/assessment.py", "Self-assessment", ":material/checklist:", "assessment"),
    PageSpec("pages/backlog.py", "Improvement backlog", ":material/low_priority:", "backlog"),
    PageSpec("pages/trends.py", "Trends", ":material/trending_up:", "trends"),
    PageSpec("pages/checkins.py", "Check-ins", ":material/groups:", "checkins"),
    PageSpec("pages/streams.py", "Value streams", ":material/conversion_path:", "streams"),
    PageSpec("pages/stream_overview.py", "Stream overview", ":material/account_tree:", "stream_overview"),
    PageSpec("pages/portfolio.py", "Stream portfolio", ":material/hub:", "portfolio"),
    PageSpec("pages/rounds.py", "Rating rounds", ":material/how_to_vote:", "rounds", Permission.rounds),
    PageSpec("pages/data.py", "Data", ":material/table_view:", "data"),
    PageSpec("pages/activity.py", "Activity", ":material/history:", "activity", Permission.activity),
    PageSpec("pages/settings.py", "Settings", ":material/settings:", "settings"),
    PageSpec("pages/respond.py", "Answer a rating round", ":material/rate_review:", "respond"),
]
