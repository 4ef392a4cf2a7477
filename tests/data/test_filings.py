"""Results filings and a desk's consensus into the store (issue 32): NSE's XBRL instances read
by element name, the quarter from the report's own period facts, amounts in ₹ crore; the
desk's CSVs; refusals in one line. Fixtures: tests/fixtures/filings/make_filings.py says where
each layout comes from; expected values are copied from the fixtures by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from rerating.analytics import results as r
from rerating.cli import main
from rerating.data.providers.filings import import_filings, read_consensus_csv, read_xbrl
from rerating.data.store import Store
from rerating.errors import InputError

FILINGS = Path(__file__).resolve().parents[1] / "fixtures" / "filings"


def xbrl(name: str):  # type: ignore[no-untyped-def]
    return read_xbrl((FILINGS / name).read_bytes(), name)


def test_the_quarter_comes_from_the_reports_period_facts_not_a_context() -> None:
    got = xbrl("INDAS_117297_1348254_16012025081520.xml")
    row = got.rows.iloc[0]
    assert row.ticker == "RELIANCE.NS" and row.basis == "consolidated"
    assert row.period_start == pd.Timestamp("2024-10-01")
    assert row.period_end == pd.Timestamp("2024-12-31")
    # 2,438,650,000,000.00 rupees is ₹2,43,865 crore: the quarter, not the nine months
    # (7,155,630,000,000.00) that the FourD context also dates October to December, nor the
    # segment's 1,497,830,000,000.00
    assert row.revenue_cr == 243865.0
    assert row.pat_cr == 21930.0 and row.eps == 13.70
    assert math.isnan(row.diluted_eps)  # not in the trimmed filing: blank, never 0
    assert row.audited == "unaudited" and row.announced == pd.Timestamp("2025-01-16")
    assert any("from the report's own period facts (context OneD)" in n for n in got.notes)


def test_the_integrated_filings_vocabulary_reads_alike_and_says_what_it_lacks() -> None:
    got = xbrl("INTEGRATED_FILING_INDAS_1695739.xml")
    row = got.rows.iloc[0]
    assert (row.ticker, row.basis, row.period_end) == ("RELIANCE.NS", "standalone",
                                                      pd.Timestamp("2026-06-30"))
    assert row.revenue_cr == 166013.0 and row.pat_cr == 13272.0
    assert math.isnan(row.eps) and "no basic EPS in the filing; left blank" in got.notes


def test_a_banks_filing_says_it_has_no_revenue_from_operations() -> None:
    got = xbrl("BANKING_HDFCBANK_Q4FY26.xml")
    row = got.rows.iloc[0]
    assert math.isnan(row.revenue_cr) and row.pat_cr == 17616.0 and row.eps == 23.02
    assert any("a bank's filing: its income is interest earned" in n for n in got.notes)


@pytest.mark.parametrize("data, said", [
    (b"<!DOCTYPE html><html><body>Access Denied</body></html>", "is a web page (HTML)"),
    ((FILINGS / "INDAS_117297_1348254_16012025081520.xml").read_bytes()[:900],
     "is not a readable XBRL instance"),
    (b'<?xml version="1.0"?><xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" '
     b'xmlns:f="x"><xbrli:context id="OneD"><xbrli:period><xbrli:startDate>2025-04-01'
     b'</xbrli:startDate><xbrli:endDate>2026-03-31</xbrli:endDate></xbrli:period></xbrli:context>'
     b'<f:DateOfStartOfReportingPeriod contextRef="OneD">2025-04-01</f:DateOfStartOfReportingPeriod>'
     b'<f:DateOfEndOfReportingPeriod contextRef="OneD">2026-03-31</f:DateOfEndOfReportingPeriod>'
     b"</xbrli:xbrl>", "reports no quarter (its reporting periods: 2025-04-01 to 2026-03-31)"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
     "is not a readable XBRL instance"),
])
def test_a_bad_filing_is_a_named_failure(data: bytes, said: str) -> None:
    with pytest.raises(InputError, match=said.replace("(", r"\(").replace(")", r"\)")):
        read_xbrl(data, "filing.xml")


def test_results_and_consensus_csvs_import_and_a_revision_keeps_the_old_figures(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    _, written = import_filings(store, FILINGS / "results_broker_export.csv", "results")
    assert len(written) == 3
    res = store.read("results").set_index(["ticker", "period_end"])
    rel = res.loc[("RELIANCE.NS", pd.Timestamp("2026-03-31"))]
    assert rel["revenue_cr"] == 279120.50 and rel["pat_cr"] == 21480.0 and rel["eps"] == 15.88
    assert rel["announced"] == pd.Timestamp("2026-04-25 19:42:44")
    assert res.loc[("RELIANCE.NS", pd.Timestamp("2025-03-31")), "revenue_cr"] == 261388.0
    import_filings(store, FILINGS / "consensus_broker_export.csv", "consensus")
    cons = store.read("consensus")
    assert len(cons) == 3 and set(cons["source"]) == {"import:consensus_broker_export.csv"}
    # a revised filing of TCS a week later: a new row; the first one kept as history
    revised = tmp_path / "revised.csv"
    revised.write_text("symbol,period_end,announced,revenue,pat,eps\n"
                       "TCS,Q4FY26,2026-04-16,\"65,120.00\",\"12,800.00\",35.38\n")
    import_filings(store, revised, "results")
    tcs = store.read("results", ["TCS.NS"])
    assert tcs["eps"].tolist() == [35.21, 35.38]
    q = r.company_quarters(store.read("results"), store.read("consensus")) \
        .set_index(["ticker", "quarter"])
    tcs = q.loc[("TCS.NS", "Q4FY26")]
    # the revision's figures count, against the consensus held before the FIRST announcement
    # (1 April's 34.10): 12 April's 36.90 came after 9 April's results and knew them
    assert tcs["eps"] == 35.38 and tcs["consensus_eps"] == 34.10
    assert tcs["announced"] == pd.Timestamp("2026-04-09")
    assert tcs["revised"] == pd.Timestamp("2026-04-16")
    rel = q.loc[("RELIANCE.NS", "Q4FY26")]
    assert rel["eps_surprise"] == pytest.approx(15.88 / 15.20 - 1)
    assert rel["revenue_growth"] == pytest.approx(279120.50 / 261388.0 - 1)
    assert rel["analysts"] == 31 and rel["consensus_as_of"] == pd.Timestamp("2026-04-10")


def test_a_consensus_without_its_date_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match="has no as_of column: a consensus without its date "
                                         "cannot be placed before or after an announcement"):
        read_consensus_csv(b"symbol,period_end,eps_mean\nTCS,Q4FY26,34.1\n", "broker.csv")


def test_figures_in_lakh_are_caught_against_the_previous_quarter(tmp_path: Path) -> None:
    store = Store(tmp_path)
    import_filings(store, FILINGS / "results_broker_export.csv", "results")
    lakh = tmp_path / "lakh.csv"  # RELIANCE's Q1 FY27 revenue written in ₹ lakh
    lakh.write_text("symbol,period_end,announced,revenue,pat,eps\n"
                    "RELIANCE,Q1FY27,2026-07-17,27912050,2148000,15.9\n")
    with pytest.raises(InputError, match=r"RELIANCE.NS revenue 27,912,050.00 for 2026-06-30 is "
                                         r"100 times .*written in lakh or rupees, not ₹ crore"):
        import_filings(store, lakh, "results")
    assert len(store.read("results", ["RELIANCE.NS"])) == 2  # nothing of it stored


def test_the_import_commands(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import shutil

    d = ["--data-dir", str(tmp_path / "store")]
    folder = tmp_path / "filings"
    folder.mkdir()
    for f in FILINGS.glob("*.xml"):
        shutil.copy(f, folder)
    shutil.copy(FILINGS / "results_broker_export.csv", folder)
    assert main([*d, "data", "import", "results", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Imported 6 results rows" in out and "BANKING_HDFCBANK_Q4FY26.xml" in out
    assert main([*d, "data", "import", "consensus",
                 str(FILINGS / "consensus_broker_export.csv")]) == 0
    assert "Imported 3 consensus rows" in capsys.readouterr().out
    code = main([*d, "data", "import", "consensus", str(FILINGS / "results_broker_export.csv")])
    assert code == 2 and "has no as_of column" in capsys.readouterr().err


def test_results_and_consensus_are_kept_alike_on_both_backends(any_store) -> None:  # type: ignore[no-untyped-def]
    import_filings(any_store, FILINGS / "results_broker_export.csv", "results")
    import_filings(any_store, FILINGS / "INDAS_117297_1348254_16012025081520.xml", "results")
    import_filings(any_store, FILINGS / "consensus_broker_export.csv", "consensus")
    res = any_store.read("results", ["RELIANCE.NS"]).sort_values("period_end")
    assert res["period_end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-12-31", "2025-03-31", "2026-03-31"]
    assert res["revenue_cr"].tolist() == [243865.0, 261388.0, 279120.5]
    assert res["filing"].tolist()[0] == "INDAS_117297_1348254_16012025081520.xml"
    cons = any_store.read("consensus", ["TCS.NS"])
    assert cons["eps_mean"].tolist() == [34.10, 36.90] and cons["analysts"].tolist() == [38, 38]
