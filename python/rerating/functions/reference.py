"""The function reference, ``addin/FUNCTIONS.md``, rendered from the registry (a test keeps
the checked-in file current; ``rerating addin functions`` rewrites it)."""

from __future__ import annotations


def functions_markdown() -> str:
    from rerating.functions.registry import specs

    REGISTRY = specs()

    lines = ["# RR_ function reference", "",
             "Hosts: the RR_ functions run in three hosts from one registry. Windows desktop "
             "Excel through xlwings (COM UDFs; README, \"In Excel (Windows)\"); LibreOffice Calc "
             "on any OS with the Calc extension (`rerating addin libreoffice`; README, \"In "
             "LibreOffice Calc\"), under the same names, so one workbook serves both; and Excel "
             "on Windows, Mac and the web through the Office add-in that `rerating serve` runs "
             "(README, \"Excel on Windows, Mac and the web\").", "",
             "In the Office add-in a custom function lives in the add-in's namespace, so there "
             "`RR_PRICE(…)` is typed `RR.PRICE(…)`, with the same arguments and answers (a ticker "
             "range stays one call and spills). In the file Excel stores it as "
             "`_xldudf_RR_PRICE(…)` (the stored form seen in other add-ins' public workbooks; not "
             "checked against Excel here), so a book typed with `RR_` shows `#NAME?` in the "
             "add-in, and one typed with `RR.` shows `#NAME?` in xlwings and Calc, until it is "
             "converted, both ways: the task pane's buttons (*RR_ → RR.* and *RR. → RR_*) rewrite "
             "the open workbook, and `rerating addin convert BOOK --to office -o NEW` (or "
             "`--to excel`) rewrites a file. Either changes only the RR calls in formulas and "
             "defined names, never text in a string literal, and leaves everything else as it "
             "was. No add-in function is volatile or streaming: a recalculation (F9, Data > "
             "Refresh All) asks again, as in the other hosts.", "",
             "In Calc: arguments are separated by `;` when typed (files keep Excel's commas), "
             "ranges of tickers spill as array formulas, the function wizard does not list the "
             "functions, and an empty argument (`f(a;;c)`) arrives as 0: skip an optional "
             "argument with `\"\"`, which means the default in both hosts.", "",
             "Generated from `python/rerating/functions/library.py` by `rerating addin functions`; do not edit "
             "by hand. Rates are decimals (0.12 = 12%). Dates may be Excel dates, ISO text "
             "(2026-04-30) or blank. Errors come back as text starting with `#` that names the "
             "problem, e.g. `#VALUE! growth 0.15 is not below cost of equity 0.12`.", ""]
    lines += [
        "## Sheet scale: one call per column", "",
        "RR_PRICE, RR_INFO, RR_EPS_REVISION, RR_RETURN and RR_RELATIVE_STRENGTH take a range of "
        "tickers where they take one ticker, and spill one row per ticker in the order given: a "
        "blank row for a blank cell, the error text in the row of a bad ticker, the other rows "
        "answered. RR_INFO also takes an array of fields, one column each. Each call crosses "
        "Excel's COM bridge once (about 3.8 ms), so a 250-company comps sheet written this way "
        "makes 2 calls instead of 2,500 (benchmarks/bench_sheet_scale.py: 0.11 s against "
        "12.7 s).", "",
        "| | A | B | C | D | E |", "| --- | --- | --- | --- | --- | --- |",
        "| 1 | Ticker | Price | P/E | P/B | Sector |",
        "| 2 | RELIANCE.NS | `=RR_PRICE(A2:A251)` | `=RR_INFO(A2:A251, {\"pe\",\"pb\",\"sector\"})` | (spilled) | (spilled) |",
        "| 3 | TCS.NS | (spilled) | (spilled) | (spilled) | (spilled) |",
        "| … | … | | | | |", "",
        "Type the formula once in B2 and C2; Excel spills the rest. RR_PE and RR_PB read a range "
        "as one universe (its aggregate multiple), as before.", ""]
    groups: dict[str, list[str]] = {}
    for spec in REGISTRY.values():
        groups.setdefault(spec.group, []).append(spec.name)
    for group, names in groups.items():
        lines += [f"## {group}", ""]
        for name in names:
            spec = REGISTRY[name]
            sig = ", ".join(f"[{a}]" if a in spec.defaults else a for a in spec.args)
            lines += [f"### {name}({sig})", "", spec.summary, "",
                      f"Returns {spec.returns}. Example: `{spec.example}`", "",
                      "| argument | help |", "| --- | --- |"]
            lines += [f"| {a} | {doc.replace('|', '/')} |" for a, doc in spec.args.items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
