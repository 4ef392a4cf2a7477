"""The service layer on its own, as the server (or a notebook) calls it: what it says goes to
its Notes, its progress to a callback, and nothing to the terminal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rerating.data.store import open_store
from rerating.services.notes import Notes
from rerating.services.refresh import refresh_store
from rerating.services.status import store_status
from rerating.settings import Settings


def test_a_refresh_says_its_summary_to_notes_and_its_progress_to_the_callback(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "store", log_dir=tmp_path, offline=True)
    notes, seen = Notes(), []
    failed = refresh_store(settings, "demo", tickers="DEVALPER.DEMO,SMALL250.DEMO",
                           start="2026-03-02", notes=notes,
                           progress=lambda label, done, total: seen.append((label, done, total)))
    assert failed is False
    assert notes.said == [notes.said[0]] and notes.said[0].startswith(
        "Refreshed 2 of 2 tickers from demo:synthetic (SYNTHETIC — fictional companies): ")
    assert notes.warned == []
    labels = {label.split()[1] for label, _, _ in seen}
    assert "prices" in labels and all(label.startswith("demo ") for label, _, _ in seen)
    last = {}
    for label, done, total in seen:
        last[label] = (done, total)
    assert last[next(x for x in last if "prices" in x)] == (2, 2)  # both tickers done
    out, err = capsys.readouterr()
    assert out == "" and err == ""  # nothing printed by the service itself

    status = store_status(settings)
    prices = open_store(settings).read("prices", ["DEVALPER.DEMO"])
    assert status.tickers == 2 and status.synthetic and status.backend == "local"
    assert status.as_of == f"{pd.Timestamp(prices['date'].max()):%Y-%m-%d}"
    assert status.sources == ("demo:synthetic (SYNTHETIC — fictional companies)",)
