"""The add-in's script (functions.js, generated from the registry) run under Node against a real
server, as Excel's custom-functions runtime would run it.

Office's runtime is not available here: the test stands in for ``CustomFunctions.associate``
(it records each function the script registers), ``CustomFunctions.Error`` and the runtime's
``localStorage``; the fetch, the JSON and the batching are Node's and the script's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rerating.functions import office_addin
from rerating.functions.registry import specs
from tests.server import standin
from tests.server.conftest import TOKEN
from tests.server.test_app import CASES, direct, same

NODE = shutil.which("node")

_RUNNER = r"""
const fs = require("fs");
const [script, base, token, casesFile] = process.argv.slice(2);
const store = {"rerating-token": token};
globalThis.localStorage = {getItem: (k) => store[k] ?? null, setItem: (k, v) => { store[k] = v; }};
globalThis.location = {origin: base};
""" + standin.RUNTIME + r"""
eval(fs.readFileSync(script, "utf8"));
recalc(JSON.parse(fs.readFileSync(casesFile, "utf8"))).then(r => console.log(JSON.stringify(r)));
"""


@pytest.mark.skipif(NODE is None, reason="Node is not installed (Debian: apt-get install nodejs)")
def test_the_add_in_script_under_node_answers_as_the_direct_call(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    script = tmp_path / "functions.js"
    script.write_text(office_addin.script())
    runner = tmp_path / "run.js"
    runner.write_text(_RUNNER)
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(CASES))
    done = subprocess.run([NODE, str(runner), str(script), base, TOKEN, str(cases)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert sorted(got["registered"]) == sorted(office_addin.office_name(n) for n in specs())
    assert got["requests"] == 1  # the whole recalculation in one request
    for (name, args), answer in zip(CASES, got["out"], strict=True):
        want = direct(name, args)
        if "error" in want:  # Excel's error, with the other hosts' text
            assert answer == {"error": {"code": want["error"]["code"], "text": want["error"]["text"][:255]}}, name
        else:
            assert same(answer, want), (name, args, answer, want)


@pytest.mark.skipif(NODE is None, reason="Node is not installed (Debian: apt-get install nodejs)")
def test_without_the_token_every_cell_says_how_to_pair(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    (tmp_path / "functions.js").write_text(office_addin.script())
    (tmp_path / "run.js").write_text(_RUNNER)
    (tmp_path / "cases.json").write_text(json.dumps([["RR_COE", [0.07, 1.2, 0.055]]]))
    done = subprocess.run([NODE, str(tmp_path / "run.js"), str(tmp_path / "functions.js"), base, "",
                           str(tmp_path / "cases.json")], capture_output=True, text=True, timeout=60)
    out = json.loads(done.stdout)["out"][0]
    assert out["error"]["code"] == "#N/A" and "pair the add-in first" in out["error"]["text"]


def test_the_metadata_comes_from_the_registry() -> None:
    meta = office_addin.metadata()["functions"]
    assert [f["id"] for f in meta] == [office_addin.office_name(n) for n in specs()]
    adj = next(f for f in meta if f["id"] == "MULTIPLE_ADJ")
    names = [p["name"] for p in adj["parameters"]]
    assert names == list(specs()["RR_MULTIPLE_ADJ"].args)
    assert [p["optional"] for p in adj["parameters"]][:6] == [False] * 6  # pe … payout required
    assert all(p["optional"] for p in adj["parameters"][6:])
    assert adj["result"] == {"type": "any", "dimensionality": "matrix"}
    for f in meta:  # Office refuses optional parameters before required ones
        flags = [p["optional"] for p in f["parameters"]]
        assert flags == sorted(flags), f["id"]


def test_a_function_added_to_the_registry_appears_in_the_metadata_and_the_script(monkeypatch) -> None:
    from rerating.functions import registry

    @registry.udf("DCF", "=RR_DOUBLE(2)", "a number", x="A number")
    def RR_DOUBLE(x):  # noqa: N802
        """Twice x."""
        return 2 * float(x)

    try:
        meta = office_addin.metadata()["functions"]
        assert meta[-1]["id"] == "DOUBLE" and meta[-1]["parameters"][0]["description"] == "A number"
        assert '"RR_DOUBLE"' in office_addin.script()
    finally:
        registry._REGISTRY.pop("RR_DOUBLE")
        registry._FUNCTIONS.pop("RR_DOUBLE")


FORMULAS = [
    '=RR_PRICE("TCS.NS")',
    "=RR_PRICE(A2)+RR_PRICE(A3)*2",
    "=RR_RETURN(RR_PRICE(A2),21)",                 # nested: the inner call right after "("
    '=IF(A1="RR_PRICE(",RR_PE(A2),"")',            # a string literal is text, kept
    '="say ""RR_PRICE(x)"" here"&RR_ASOF()',       # doubled quotes inside a literal
    "=RR_NOT_A_FUNCTION(A1)+MY_RR_PRICE(A1)",      # unknown, and a longer name: left alone
    "=RR_PRICE (A2)",                              # a space before the bracket
    "=SUM(B2:B9)",
    "=Sheet1!RR_PRICE",                            # a name, not a call
]


@pytest.mark.skipif(NODE is None, reason="Node is not installed (Debian: apt-get install nodejs)")
def test_the_task_panes_conversion_is_the_commands(tmp_path: Path) -> None:
    """The task pane's button and `rerating addin convert` rewrite a formula the same way:
    Excel shows the add-in's function as ``RR.PRICE`` and stores it as ``_xldudf_RR_PRICE``."""
    from rerating.workbooks.convert import PREFIX, formula

    (tmp_path / "functions.js").write_text(office_addin.script())
    runner = """
      const fs = require("fs");
      globalThis.location = {origin: "http://x"};
      eval(fs.readFileSync(process.argv[1], "utf8"));
      const fs_ = JSON.parse(process.argv[2]);
      console.log(JSON.stringify(fs_.map(f => {
        const there = RERATING.convertFormula(f, "office");
        const back = RERATING.convertFormula(there.formula, "excel");
        return [there.formula, there.calls, back.formula, back.calls];
      })));
    """
    done = subprocess.run([NODE, "-e", runner, str(tmp_path / "functions.js"), json.dumps(FORMULAS)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    for f, (there, calls, back, back_calls) in zip(FORMULAS, got, strict=True):
        stored, n = formula(f, "office")
        assert there == stored.replace(PREFIX + "RR_", "RR."), f  # what Excel shows for the stored form
        assert calls == n and back == f and back_calls == n, f
    assert got[2][0] == "=RR.RETURN(RR.PRICE(A2),21)" and got[2][1] == 2
    assert got[3][0] == '=IF(A1="RR_PRICE(",RR.PE(A2),"")'
    assert got[5][1] == 0


_PANE_RUNNER = r"""
const fs = require("fs");
const [functionsJs, paneJs] = process.argv.slice(1);
// a browser page's globals, enough for the pane (Office's runtime stands in below)
const elements = {};
globalThis.window = globalThis;
globalThis.document = {readyState: "complete", addEventListener: () => {},
  getElementById: (id) => (elements[id] = elements[id] || {id, textContent: "", className: "", hidden: false, value: ""})};
globalThis.location = {origin: "https://localhost:45873"};
globalThis.setInterval = () => 0;
globalThis.fetch = () => Promise.reject(new Error("no server in this test"));
globalThis.localStorage = {getItem: () => null, setItem: () => {}, removeItem: () => {}};
eval(fs.readFileSync(functionsJs, "utf8"));
// Excel.run with two sheets and a defined name, as Office.js returns them: a used range's
// formulas hold each cell's formula, or its value where it has none (constants, and the cells
// a spilled formula fills)
const writes = [];
function sheet(name, used) {
  return {name,
    getUsedRangeOrNullObject: () => used === null ? {isNullObject: true, load: () => {}}
      : Object.assign({isNullObject: false, load: () => {}}, used),
    getCell: (r, c) => ({set formulas(v) { writes.push([name, r, c, v]); }})};
}
const names = [{name: "FirstPrice", type: "String", formula: "=RR_PRICE(Sheet1!$A$2)"},
               {name: "Rate", type: "Double", formula: "=0.12"}];
globalThis.Excel = {run: (fn) => fn({
  workbook: {
    worksheets: {items: [
      sheet("Comps", {rowIndex: 1, columnIndex: 0, formulas: [
        ["RELIANCE.NS", "=RR_PRICE(A2)", 1338, "Energy"],
        ["TCS.NS", "=RR_INFO(A3:A4,{\"pe\",\"pb\"})", 27.1, 9.8],
        ["00123", "=IF(A1=\"RR_PRICE(\",RR_PE(A2),\"\")", "=SUM(B2:B3)", "RR_PRICE(A2)"]]}),
      sheet("Empty", null)], load: () => {}},
    names: {items: names, load: () => {}}},
  sync: () => Promise.resolve()})};
eval(fs.readFileSync(paneJs, "utf8"));
RERATING_PANE.convertWorkbook("office").then((calls) => {
  console.log(JSON.stringify({calls, writes, names, said: elements.converted.textContent}));
});
"""


@pytest.mark.skipif(NODE is None, reason="Node is not installed (Debian: apt-get install nodejs)")
def test_the_task_panes_button_rewrites_only_the_cells_whose_formula_changes(tmp_path: Path) -> None:
    """Excel's object model stands in here (Office's own exists only inside Excel): a used
    range's formulas hold constants too, and writing a constant back would re-type it ("00123"
    would become 123), so only cells whose formula changes are written."""
    from rerating.server.app import ADDIN_DIR

    (tmp_path / "functions.js").write_text(office_addin.script())
    done = subprocess.run([NODE, "-e", _PANE_RUNNER, str(tmp_path / "functions.js"),
                           str(ADDIN_DIR / "taskpane.js")], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["writes"] == [
        ["Comps", 1, 1, [["=RR.PRICE(A2)"]]],                      # row and column offsets kept
        ["Comps", 2, 1, [['=RR.INFO(A3:A4,{"pe","pb"})']]],
        ["Comps", 3, 1, [['=IF(A1="RR_PRICE(",RR.PE(A2),"")']]],  # the literal left alone
    ]
    assert got["names"][0]["formula"] == "=RR.PRICE(Sheet1!$A$2)" and got["names"][1]["formula"] == "=0.12"
    assert got["calls"] == 4
    assert got["said"] == "4 calls in 3 cells now use this add-in's names (RR.PRICE)."
