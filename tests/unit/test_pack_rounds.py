"""The meeting pack shows a round's agreed scores with their badge (in the one-page summary's table and
the heatmap slide's notes), never the answers."""

from __future__ import annotations

from esm_maturity.pack import content, deck
from esm_maturity.trends import queries as trends
from tests.rounds_setup import QUARTER, SECRET, agreed_round
from tests.unit.test_pack import deck_text


def test_the_pack_carries_the_badges_of_agreed_scores(demo_db):
    agreed_round(demo_db)
    f = trends.Filters(QUARTER.shift(-3), QUARTER)
    pack = content.build(demo_db, QUARTER, f, hidden=False)
    said = pack.agreed_in_rounds
    assert len(said) == 2 and said[0].endswith("n=5 · aligned") and said[1].endswith("below threshold")
    text = deck_text(deck.deck_bytes(pack))
    assert "n=5 · aligned" in text and "below threshold" in text and SECRET not in text
    hidden = content.build(demo_db, QUARTER, f, hidden=True)
    assert all(s.startswith("Department ") for s in hidden.agreed_in_rounds)
