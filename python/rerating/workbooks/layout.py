"""What each template's tool-owned sheets hold, and under which defined names.

One description serves both sides: ``design.py`` builds the templates' defined names from it,
and ``engine.py`` fills the Data sheet from it. The analyst's sheets refer to these names only
(never to A1 addresses in Data), so the tool can rewrite Data without touching them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DATA = "Data"
#: what the Data sheet says in place of printing (its print area is its first three lines)
DATA_NOT_PRINTED = ("Not printed: this sheet's print area is its first lines. The sheets before "
                    "it print what the data says; to print the data, select it and print the "
                    "selection.")
CHANGES = "Changes"
META = "_rerating"
OWNED_SHEETS = (DATA, CHANGES, META)
#: 2: the dashboard's Data carries the small-cap index's latest P/E, P/B and dividend yield
TEMPLATE_VERSION = 3


@dataclass(frozen=True)
class Field:
    """A named single cell in Data: label in column A, value in column B."""

    name: str
    label: str
    kind: str = "number"  # number, text, date
    since: int = 1  # the template version that added it: older books have no name for it


@dataclass(frozen=True)
class Column:
    """A named column in Data: header on the block's header row, values below, ``capacity`` rows."""

    name: str
    label: str
    kind: str = "number"
    since: int = 1  # the template version that added it: older books have no name for it


@dataclass(frozen=True)
class Block:
    title: str
    col: int  # first column
    capacity: int
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Layout:
    template: str
    fields: tuple[Field, ...]
    blocks: tuple[Block, ...] = ()
    first_row: int = 5  # row of the first field / block header
    widths: dict[int, float] = field(default_factory=dict)

    def field_cell(self, name: str) -> tuple[int, int]:
        for i, f in enumerate(self.fields):
            if f.name == name:
                return self.first_row + i, 2
        raise KeyError(name)

    def column_range(self, name: str) -> tuple[int, int, int]:
        """(first row, column, capacity) of a named column."""
        for b in self.blocks:
            for j, c in enumerate(b.columns):
                if c.name == name:
                    return self.first_row + 1, b.col + j, b.capacity
        raise KeyError(name)

    def names(self, version: int | None = None) -> dict[str, str]:
        """Defined name -> absolute reference into Data (of a book of template ``version``:
        fields added later have no name there)."""
        from rerating.workbooks.ooxml import col_letters

        out = {}
        for f in self.fields:
            if version is not None and f.since > version:
                continue
            r, c = self.field_cell(f.name)
            out[f.name] = f"{DATA}!${col_letters(c)}${r}"
        for b in self.blocks:
            for c in b.columns:
                if version is not None and c.since > version:
                    continue
                r0, col, cap = self.column_range(c.name)
                L = col_letters(col)
                out[c.name] = f"{DATA}!${L}${r0}:${L}${r0 + cap - 1}"
        return out

    def kinds(self) -> dict[str, str]:
        out = {f.name: f.kind for f in self.fields}
        for b in self.blocks:
            out.update({c.name: c.kind for c in b.columns})
        return out


PROVENANCE = (
    Field("rr_source", "Data source", "text"),
    Field("rr_as_of", "As of", "date"),
    Field("rr_is_synthetic", "Synthetic demo data (1 = yes)"),
    Field("rr_refreshed", "Refreshed at (UTC)", "text"),
)

DCF = Layout(
    "dcf_model",
    fields=(
        *PROVENANCE,
        Field("rr_ticker", "Ticker", "text"),
        Field("rr_name", "Company", "text"),
        Field("rr_sector", "Sector", "text"),
        Field("rr_currency", "Currency", "text"),
        Field("rr_price", "Price (last close)"),
        Field("rr_price_date", "Price date", "date"),
        Field("rr_shares", "Shares outstanding"),
        Field("rr_market_cap", "Market cap (₹, full precision)"),
        Field("rr_eps_ttm", "EPS, trailing 12 months"),
        Field("rr_bvps", "Book value per share"),
        Field("rr_payout_reported", "Payout ratio (reported)"),
        Field("rr_beta_reported", "Beta (reported)"),
        Field("rr_next_results", "Next results date", "date"),
        Field("rr_eps_fy1", "Consensus EPS, current FY"),
        Field("rr_eps_fy1_7d", "  7 days ago"),
        Field("rr_eps_fy1_30d", "  30 days ago"),
        Field("rr_eps_fy1_60d", "  60 days ago"),
        Field("rr_eps_fy1_90d", "  90 days ago"),
        Field("rr_eps_fy2", "Consensus EPS, next FY"),
        Field("rr_eps_fy2_30d", "  30 days ago"),
        Field("rr_eps_fy2_90d", "  90 days ago"),
        Field("rr_up_30d", "Upward revisions, 30 days"),
        Field("rr_down_30d", "Downward revisions, 30 days"),
        Field("rr_analysts", "Analysts"),
    ),
    blocks=(
        Block("EPS history (fiscal years)", 5, 12,
              (Column("rr_eps_year", "Year ended", "date"), Column("rr_eps_annual", "EPS"))),
        Block("Month-end closes", 8, 60,
              (Column("rr_px_month", "Month end", "date"), Column("rr_px_close", "Close"))),
    ),
    widths={1: 30, 2: 16, 5: 12, 6: 10, 8: 12, 9: 10},
)

COMPS_CAPACITY = 500

COMPS = Layout(
    "comps",
    fields=(
        *PROVENANCE,
        Field("rr_universe", "Universe", "text"),
        Field("rr_benchmark", "Benchmark index", "text"),
        Field("rr_window", "Rally window", "text"),
        Field("rr_window_start", "Window starts after close of", "date"),
        Field("rr_bench_pe", "Benchmark P/E"),
        Field("rr_bench_pb", "Benchmark P/B"),
        Field("rr_count", "Companies"),
    ),
    blocks=(
        Block("Universe", 4, COMPS_CAPACITY, (
            Column("rr_c_ticker", "Ticker", "text"),
            Column("rr_c_name", "Name", "text"),
            Column("rr_c_sector", "Sector", "text"),
            Column("rr_c_price", "Price"),
            Column("rr_c_px_start", "Price at window start"),
            Column("rr_c_mcap", "Market cap (₹)"),
            Column("rr_c_eps_ttm", "EPS TTM"),
            Column("rr_c_eps_fy1", "EPS FY1"),
            Column("rr_c_eps_fy1_30d", "EPS FY1 30d ago"),
            Column("rr_c_eps_fy1_90d", "EPS FY1 90d ago"),
            Column("rr_c_bvps", "Book/share"),
            Column("rr_c_up_30d", "Up 30d"),
            Column("rr_c_down_30d", "Down 30d"),
        )),
        Block("Sectors", 18, 40, (Column("rr_c_sectors", "Sector", "text"),)),
    ),
    widths={1: 30, 2: 16, 4: 14, 5: 24, 6: 16, 18: 22},
)

HISTORY_CAPACITY = 420  # 35 years of months
STOCKS_CAPACITY = 500

DASHBOARD = Layout(
    "rally_dashboard",
    fields=(
        *PROVENANCE,
        Field("rr_small_index", "Small-cap index", "text"),
        Field("rr_large_index", "Large-cap index", "text"),
        Field("rr_universe", "Stock universe", "text"),
        Field("rr_window", "Rally window", "text"),
        Field("rr_small_pe_now", "Small-cap index P/E, latest", since=2),
        Field("rr_small_pb_now", "Small-cap index P/B, latest", since=2),
        Field("rr_small_dy_now", "Small-cap index dividend yield %, latest", since=2),
    ),
    blocks=(
        Block("Month-end closes", 4, HISTORY_CAPACITY, (
            Column("rr_m_month", "Month end", "date"),
            Column("rr_m_small", "Small-cap close"),
            Column("rr_m_large", "Large-cap close"),
        )),
        Block("Month-end valuation", 8, HISTORY_CAPACITY, (
            Column("rr_v_month", "Month end", "date"),
            Column("rr_v_small_pe", "Small P/E"),
            Column("rr_v_large_pe", "Large P/E"),
            Column("rr_v_small_pb", "Small P/B"),
            Column("rr_v_large_pb", "Large P/B"),
        )),
        Block("EPS revisions, 30 days (universe totals)", 14, 240, (
            Column("rr_r_month", "Snapshot", "date"),
            Column("rr_r_small_up", "Small up"),
            Column("rr_r_small_down", "Small down"),
            Column("rr_r_large_up", "Large up"),
            Column("rr_r_large_down", "Large down"),
        )),
        Block("Stocks in the rally window", 20, STOCKS_CAPACITY, (
            Column("rr_s_ticker", "Ticker", "text"),
            Column("rr_s_sector", "Sector", "text"),
            Column("rr_s_px_start", "Price at window start"),
            Column("rr_s_px_end", "Price at as-of"),
            Column("rr_s_eps_now", "EPS FY1 now"),
            Column("rr_s_eps_30d", "EPS FY1 30d ago"),
            # for the sector rotation: beta against the large-cap index over the last year of
            # daily returns, and the average monthly return of the 12 months before this one
            Column("rr_s_beta", "Beta vs large-cap index (1y daily)", since=3),
            Column("rr_s_trailing", "Avg monthly return, prior 12 months", since=3),
        )),
        Block("Sectors (the note's order)", 29, 40, (
            Column("rr_d_sector", "Sector", "text", since=3),
        )),
        Block("What to watch", 31, 40, (
            Column("rr_w_date", "Date", "date", since=3),
            Column("rr_w_what", "What", "text", since=3),
            Column("rr_w_detail", "Detail", "text", since=3),
            Column("rr_w_from", "Where the date comes from", "text", since=3),
        )),
    ),
    widths={1: 30, 2: 16, 4: 12, 8: 12, 14: 12, 20: 16, 21: 20, 29: 22, 31: 12, 32: 26, 33: 30, 34: 60},
)

LAYOUTS = {lay.template: lay for lay in (DCF, COMPS, DASHBOARD)}
