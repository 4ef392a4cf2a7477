"""A stand-in for NSE's archive and site, mounted as a `requests` transport adapter.

The provider's own code runs unchanged (URLs, pacing, retries, reading with the importer's
layouts); only the bytes that would have come over the network are made here, for any trading
day, in NSE's real layouts as tests/fixtures/files/make_files.py describes them and public
copies of the files show them (2026 repositories quoting NSE's files verbatim):

- ``ind_close_all_DDMMYYYY.csv``: unquoted, LF, ``Nifty 50,27-08-2026,24277.6,…``, ``-.59``
  style decimals, India VIX with ``-`` for what it lacks;
- ``sec_bhavdata_full_DDMMYYYY.csv``: a space after every comma,
  ``07-Jun-2024``, `` -`` for no delivery data;
- the UDiFF ``BhavCopy_NSE_CM_0_0_0_YYYYMMDD_F_0000.csv.zip`` (from 8 July 2024): a zip holding
  the CSV of the same name, ISO ``TradDt``, empty fields for what a cash row lacks;
  ``sec_bhavdata_full`` is served on every day (NSE still publishes it after July 2024), the
  legacy ``cmDDMONYYYYbhav.csv.zip`` until 5 July 2024 (trailing comma, ``05-JUL-2024``);
- nseindia.com's corporate-actions JSON (``symbol``, ``series``, ``comp``, ``subject``,
  ``exDate`` ``09-Mar-2026`` …), answered only to a client holding the cookie its home page sets.

A market is stocks (closes as traded, so a split shows as the drop it is) and indices (close,
P/E, P/B, yield). Faults are injected per file: ``404``, ``html`` (the web page NSE answers
blocked clients with), ``notzip``, ``truncated`` (cut mid-line), ``short`` (cut at a line
end: whole rows missing), ``crlf`` (CRLF line ends), ``monthfirst`` (every ``Index Date`` printed MM-DD-YYYY, as NSE
did on some days), ``series`` (every row of an unknown series code), ``wrongday`` (the file of the
day before), ``429`` / ``403`` / ``500`` once (then the file), ``dns`` (no network at all) and
``interrupt`` (Ctrl-C arrives while this file is fetched); ``failures["site"] = "403"`` makes
nseindia.com refuse every request, as it does some networks.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from rerating.data.calendar import sessions

IND_HEADER = ("Index Name,Index Date,Open Index Value,High Index Value,Low Index Value,"
              "Closing Index Value,Points Change,Change(%),Volume,Turnover (Rs. Cr.),P/E,P/B,"
              "Div Yield")
FULL_HEADER = ("SYMBOL, SERIES, DATE1, PREV_CLOSE, OPEN_PRICE, HIGH_PRICE, LOW_PRICE, "
               "LAST_PRICE, CLOSE_PRICE, AVG_PRICE, TTL_TRD_QNTY, TURNOVER_LACS, NO_OF_TRADES, "
               "DELIV_QTY, DELIV_PER")
UDIFF_HEADER = ("TradDt,BizDt,Sgmt,Src,FinInstrmTp,FinInstrmId,ISIN,TckrSymb,SctySrs,XpryDt,"
                "FininstrmActlXpryDt,StrkPric,OptnTp,FinInstrmNm,OpnPric,HghPric,LwPric,ClsPric,"
                "LastPric,PrvsClsgPric,UndrlygPric,SttlmPric,OpnIntrst,ChngInOpnIntrst,"
                "TtlTradgVol,TtlTrfVal,TtlNbOfTxsExctd,SsnId,NewBrdLotQty,Rmks,Rsvd1,Rsvd2,Rsvd3,"
                "Rsvd4")
UDIFF_FROM = pd.Timestamp("2024-07-08")
HOME_COOKIE = "nsit=fake-session-cookie"


def _dec(x: float) -> str:
    """NSE writes -0.59 as -.59 and 0.62 as .62."""
    text = f"{x:.2f}"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


class FakeNSE(BaseAdapter):
    """NSE's archive and site for a market given as closes per day."""

    def __init__(self, stocks: dict[str, pd.Series], indices: dict[str, pd.DataFrame], *,
                 series: dict[str, str] | None = None,
                 actions: list[dict[str, str]] | None = None) -> None:
        super().__init__()
        self.stocks = stocks  # symbol -> closes as traded, indexed by date
        self.indices = indices  # NSE name -> frame indexed by date: close, pe, pb, dy
        self.series = series or {}
        self.actions = actions or []
        #: nseindia.com's event calendar (board meetings): symbol, company, purpose, bm_desc,
        #: date, as its JSON gives them
        self.events: list[dict[str, str]] = []
        self.failures: dict[str, str] = {}  # file name (or "site") -> fault
        self.calls: Counter[str] = Counter()
        self.asked: list[str] = []
        self._served_fault: set[str] = set()
        self._lock = threading.Lock()
        self._sessions: list[requests.Session] = []

    @classmethod
    def market(cls, start: str, end: str) -> FakeNSE:
        """A small market over the sessions between two dates: four ordinary stocks (one BE),
        one that splits 1:5, one with a 1:1 bonus, one with a rights issue, one with a dividend,
        one that falls 45% with no action; Nifty 50, Nifty Smallcap 250 and India VIX."""
        days = sessions(pd.Timestamp(start), pd.Timestamp(end))
        i = np.arange(len(days))
        drift = np.exp(0.0004 * i + 0.01 * np.sin(i / 3.0))
        mid = days[len(days) // 2]

        def path(base: float, wobble: float = 1.0) -> pd.Series:
            return pd.Series(np.round(base * drift ** wobble, 2), index=days)

        def step(s: pd.Series, on: pd.Timestamp, factor: float) -> pd.Series:
            out = s.copy()
            out[out.index >= on] = np.round(out[out.index >= on] * factor, 2)
            return out

        stocks = {
            "RELIANCE": path(1400.0), "TCS": path(3200.0, 0.5), "20MICRONS": path(210.0, 1.5),
            "M&M": path(3000.0, 0.8),
            "SPLITCO": step(path(5000.0), days[len(days) // 3], 0.2),
            "BONUSCO": step(path(800.0), mid, 0.5),
            "RIGHTSCO": step(path(500.0), mid, 0.96),
            "DIVCO": path(300.0),
            "JUMPCO": step(path(120.0), days[2 * len(days) // 3], 0.55),
        }
        div_day = days[len(days) // 4]
        stocks["DIVCO"][stocks["DIVCO"].index >= div_day] -= 10.0
        idx = {
            "Nifty 50": pd.DataFrame({"close": np.round(24000 * drift, 2), "pe": 22.0 + i / 100,
                                      "pb": 3.5, "dy": 1.2}, index=days),
            "Nifty Smallcap 250": pd.DataFrame({"close": np.round(16000 * drift ** 1.6, 2),
                                                "pe": 21.0 + i / 50, "pb": 3.1, "dy": .6},
                                               index=days),
            "India VIX": pd.DataFrame({"close": 13.0 + np.sin(i), "pe": np.nan, "pb": np.nan,
                                       "dy": np.nan}, index=days),
        }
        acts = [
            ("SPLITCO", "Split Co Ltd", "Face Value Split (Sub-Division) - From Rs 10/- Per "
             "Share To Rs 2/- Per Share", "2", days[len(days) // 3]),
            ("BONUSCO", "Bonus Co Ltd", "Bonus 1:1", "10", mid),
            ("RIGHTSCO", "Rights Co Ltd", "Rights 1:5 @ Premium Rs 90/-", "10", mid),
            ("DIVCO", "Div Co Ltd", "Interim Dividend - Rs 10 Per Share", "10", div_day),
            ("RELIANCE", "Reliance Industries Limited", "Annual General Meeting", "10", mid),
        ]
        actions = [{"symbol": s, "series": "EQ", "isin": "-", "comp": c, "subject": p,
                    "faceVal": fv, "exDate": f"{d:%d-%b-%Y}", "recDate": f"{d:%d-%b-%Y}",
                    "bcStartDate": "-", "bcEndDate": "-"} for s, c, p, fv, d in acts]
        return cls(stocks, idx, series={"20MICRONS": "BE"}, actions=actions)

    @property
    def days(self) -> pd.DatetimeIndex:
        return next(iter(self.indices.values())).index

    def session(self) -> requests.Session:
        s = requests.Session()
        s.mount("https://", self)
        self._sessions.append(s)
        return s

    # -- the files, byte for byte ------------------------------------------------------------------
    def ind_close_all(self, day: pd.Timestamp) -> bytes:
        lines = [IND_HEADER]
        pos = self.days.get_loc(day)
        for name, f in self.indices.items():
            r = f.loc[day]
            prev = f["close"].iloc[pos - 1] if pos else r.close
            chg = r.close - prev
            val = ["-", "-", "-"] if np.isnan(r.pe) else [f"{r.pe:.2f}", f"{r.pb:.2f}",
                                                            _dec(r.dy)]
            vol = ["-", "-"] if name == "India VIX" else ["271450104", "24567.25"]
            lines.append(f"{name},{day:%d-%m-%Y},{r.close:.2f},{r.close * 1.004:.2f},"
                         f"{r.close * .995:.2f},{r.close:.2f},{_dec(chg)},"
                         f"{_dec(100 * chg / prev)},{','.join(vol)},{','.join(val)}")
        # a points series among the indices, as in NSE's file (2021 copies: "Nifty50 Dividend
        # Points,23-09-2021,-,-,-,116.92,0.0,-,-,-,-,-,-"): dividend points since 1 April,
        # written 0 on the first session of each fiscal year
        april = pd.Timestamp(day.year if day.month >= 4 else day.year - 1, 4, 1)
        pts = 2.5 * (len(sessions(april, day)) - 1)
        lines.append(f"Nifty50 Dividend Points,{day:%d-%m-%Y},-,-,-,{pts:g},0.0,-,-,-,-,-,-")
        return ("\n".join(lines) + "\n").encode()

    def _rows(self, day: pd.Timestamp) -> list[tuple[str, str, float, float]]:
        pos = self.days.get_loc(day)
        out = []
        for sym, s in self.stocks.items():
            if day not in s.index:
                continue
            prev = s.iloc[pos - 1] if pos else s.loc[day]
            out.append((sym, self.series.get(sym, "EQ"), float(prev), float(s.loc[day])))
        return out

    def sec_bhavdata_full(self, day: pd.Timestamp) -> bytes:
        lines = [FULL_HEADER]
        for sym, ser, prev, close in self._rows(day):
            lines.append(f"{sym}, {ser}, {day:%d-%b-%Y}, {prev:.2f}, {prev:.2f}, "
                         f"{close * 1.01:.2f}, {close * .99:.2f}, {close:.2f}, {close:.2f}, "
                         f"{close:.2f}, 268934, 538.16, 6112, 120334, 44.74")
        lines.append(f"NHAI, N2, {day:%d-%b-%Y}, 1040.00, 1041.00, 1041.00, 1041.00, 1041.00, "
                     "1041.00, 1041.00, 10, 0.10, 1, -, -")
        return ("\n".join(lines) + "\n").encode()

    def udiff_csv(self, day: pd.Timestamp) -> bytes:
        lines = [UDIFF_HEADER]
        for n, (sym, ser, prev, close) in enumerate(self._rows(day)):
            lines.append(f"{day:%Y-%m-%d},{day:%Y-%m-%d},CM,NSE,STK,{1000 + n},INE{n:06d}A0101,"
                         f"{sym},{ser},,,,,{sym} LTD,{prev:.2f},{close * 1.01:.2f},"
                         f"{close * .99:.2f},{close:.2f},{close:.2f},{prev:.2f},,{close:.2f},,,"
                         f"5672391,18165443211.55,254120,F1,1,,,,,")
        lines.append(f"{day:%Y-%m-%d},{day:%Y-%m-%d},CM,NSE,STK,20001,INE883F01010,AADHARHFC,"
                     "SM,,,,,AADHAR HOUSING FIN LTD,400.00,405.00,398.00,401.10,401.00,399.90,,"
                     "401.10,,,1000,401100.00,10,F1,1,,,,,")
        return ("\n".join(lines) + "\n").encode()

    def legacy_csv(self, day: pd.Timestamp) -> bytes:
        """The legacy ``cmDDMONYYYYbhav.csv`` (inside its zip): a trailing comma on every line,
        ``05-JUL-2024`` (as ../shared/data/nse-real-samples/cm23MAR2020bhav.csv.zip)."""
        lines = ["SYMBOL,SERIES,OPEN,HIGH,LOW,CLOSE,LAST,PREVCLOSE,TOTTRDQTY,TOTTRDVAL,"
                 "TIMESTAMP,TOTALTRADES,ISIN,"]
        stamp = f"{day:%d}-{day.strftime('%b').upper()}-{day:%Y}"
        for n, (sym, ser, prev, close) in enumerate(self._rows(day)):
            lines.append(f"{sym},{ser},{prev:g},{close * 1.01:.2f},{close * .99:.2f},"
                         f"{close:g},{close:g},{prev:g},268934,{close * 268934:.2f},{stamp},"
                         f"6112,INE{n:06d}A0101,")
        return ("\n".join(lines) + "\n").encode()

    def udiff_zip(self, day: pd.Timestamp) -> bytes:
        return self._zip(f"BhavCopy_NSE_CM_0_0_0_{day:%Y%m%d}_F_0000.csv", self.udiff_csv(day))

    @staticmethod
    def _zip(name: str, data: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, data)
        return buf.getvalue()

    # -- the transport --------------------------------------------------------------------------------
    def send(self, request, **kwargs):  # type: ignore[no-untyped-def, override]
        url = urlsplit(request.url)
        name = url.path.rsplit("/", 1)[-1]
        with self._lock:
            self.asked.append(name or url.netloc)
            fault = self.failures.get(name)
            once = fault in ("429", "403", "500") and name in self._served_fault
            if fault in ("429", "403", "500"):
                self._served_fault.add(name)
        if fault == "dns":
            raise requests.ConnectionError(
                "HTTPSConnectionPool(host='nsearchives.nseindia.com', port=443): Max retries "
                "exceeded (Caused by NameResolutionError(\"Failed to resolve "
                "'nsearchives.nseindia.com' ([Errno -3] Temporary failure in name "
                "resolution)\"))")
        if fault == "interrupt":
            raise KeyboardInterrupt
        if url.netloc == "www.nseindia.com":
            return self._site(request, url)
        kind = "indices" if name.startswith("ind_close_all_") else "equities"
        self.calls[kind] += 1
        day = self._day_of(name)
        if day is None or day not in self.days or fault == "404":
            return self._answer(request, 404, b"<html><body>404 Not Found</body></html>",
                                "text/html")
        if fault in ("429", "403", "500") and not once:
            return self._answer(request, int(fault), b"<html>busy</html>", "text/html",
                                {"Retry-After": "7"} if fault == "429" else None)
        if fault == "html":
            return self._answer(request, 200, b"<!DOCTYPE html><html><head><title>NSE"
                                b"</title></head><body>Access Denied</body></html>", "text/html")
        if fault == "notzip":
            return self._answer(request, 200, b"TradDt,BizDt\n2024-07-08,2024-07-08\n", "application/zip")
        if fault == "wrongday":
            pos = self.days.get_loc(day)
            day = self.days[pos - 1]
        udiff, legacy = name.startswith("BhavCopy_"), name.startswith("cm")
        # the UDiFF zip began on 8 July 2024 and the legacy zip ended on 5 July 2024;
        # sec_bhavdata_full is published on both sides of the switch
        if (udiff and day < UDIFF_FROM) or (legacy and day >= UDIFF_FROM):
            return self._answer(request, 404, b"<html><body>404 Not Found</body></html>",
                                "text/html")
        body = (self.ind_close_all(day) if kind == "indices" else
                self.udiff_csv(day) if udiff else self.legacy_csv(day) if legacy else
                self.sec_bhavdata_full(day))
        if fault == "crlf":  # CRLF line ends, as NSE served some years' files
            body = body.replace(b"\n", b"\r\n")
        if fault == "monthfirst":  # NSE printed every Index Date month-first on some days
            body = body.replace(f",{day:%d-%m-%Y},".encode(), f",{day:%m-%d-%Y},".encode())
        if fault == "series":  # every row of a series code no reader knows
            body = body.replace(b", EQ, ", b", ZQ, ").replace(b", BE, ", b", ZQ, ") \
                .replace(b",EQ,", b",ZQ,").replace(b",BE,", b",ZQ,")
        if fault == "short":  # cut at a line end: whole rows missing
            lines = body.split(b"\n")
            body = b"\n".join(lines[: max(2, len(lines) // 3)]) + b"\n"
        if udiff or legacy:
            body = self._zip(name.removesuffix(".zip"), body)
        if fault == "truncated":  # cut mid-line (mid-member for a zip)
            cut = int(len(body) * 0.6)
            body = body[: cut - 1 if body[cut - 1:cut] == b"\n" else cut]
        ctype = "application/zip" if name.endswith(".zip") else "text/csv"
        return self._answer(request, 200, body, ctype)

    def _site(self, request, url):  # type: ignore[no-untyped-def]
        self.calls["site"] += 1
        if self.failures.get("site") == "403":  # the site refuses some networks outright
            return self._answer(request, 403, b"<html><body>Access Denied</body></html>",
                                "text/html")
        if url.path in ("", "/"):
            # requests reads Set-Cookie from the socket's headers, which a transport stand-in
            # has none of: put the cookie in the jar as requests would
            name, value = HOME_COOKIE.split("=", 1)
            for s in self._sessions:
                s.cookies.set(name, value, domain="www.nseindia.com", path="/")
            return self._answer(request, 200, b"<html><body>NSE</body></html>", "text/html",
                                {"Set-Cookie": f"{HOME_COOKIE}; Path=/; Secure"})
        if "nsit=" not in (request.headers.get("Cookie") or ""):
            return self._answer(request, 401, b'{"message":"unauthorized"}', "application/json")
        q = parse_qs(url.query)
        lo = pd.Timestamp(pd.to_datetime(q["from_date"][0], format="%d-%m-%Y"))
        hi = pd.Timestamp(pd.to_datetime(q["to_date"][0], format="%d-%m-%Y"))
        if url.path.endswith("/event-calendar"):
            rows = [e for e in self.events
                    if lo <= pd.to_datetime(e["date"], format="%d-%b-%Y") <= hi]
            return self._answer(request, 200, json.dumps(rows).encode(), "application/json")
        rows = [a for a in self.actions
                if lo <= pd.to_datetime(a["exDate"], format="%d-%b-%Y") <= hi]
        return self._answer(request, 200, json.dumps(rows).encode(), "application/json")

    @staticmethod
    def _day_of(name: str) -> pd.Timestamp | None:
        import re

        if m := re.match(r"ind_close_all_(\d{2})(\d{2})(\d{4})\.csv$", name):
            return pd.Timestamp(int(m[3]), int(m[2]), int(m[1]))
        if m := re.match(r"sec_bhavdata_full_(\d{2})(\d{2})(\d{4})\.csv$", name):
            return pd.Timestamp(int(m[3]), int(m[2]), int(m[1]))
        if m := re.match(r"BhavCopy_NSE_CM_0_0_0_(\d{4})(\d{2})(\d{2})_F_0000\.csv\.zip$", name):
            return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
        if m := re.match(r"cm(\d{2})([A-Z]{3})(\d{4})bhav\.csv\.zip$", name):
            return pd.Timestamp(f"{m[1]} {m[2]} {m[3]}")
        return None

    @staticmethod
    def _answer(request, status: int, body: bytes, ctype: str,  # type: ignore[no-untyped-def]
                headers: dict[str, str] | None = None) -> requests.Response:
        r = requests.Response()
        r.status_code = status
        r._content = body
        r.headers = CaseInsensitiveDict({"Content-Type": ctype, **(headers or {})})
        r.url = request.url
        r.request = request
        r.encoding = "utf-8"
        return r

    def close(self) -> None:
        pass
