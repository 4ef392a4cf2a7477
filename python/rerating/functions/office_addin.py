"""The Office add-in's custom functions, generated from the registry: ``functions.json`` (the
metadata Excel reads: names, descriptions, arguments, optionality, matrix results) and
``functions.js`` (the script that registers each function and sends the calls of one
recalculation to ``rerating serve`` in one request).

In Office a custom function lives in the add-in's namespace: ``RR_PRICE`` is typed
``=RR.PRICE(…)`` (the namespace ``RR`` comes from the manifest). Every argument is declared a
matrix of any values, so a ticker range reaches the server as one call and a single cell as a
1x1 matrix (the web host unwraps it, as xlwings does); every result is declared a matrix, so a
function that spills a table in the other hosts spills the same table here.

No function is volatile or streaming: the answers depend on the store, which changes when a
refresh commits, and Excel's recalculation (F9, or Data > Refresh All) asks again, as with the
xlwings and Calc hosts. ``RR_ASOF`` says what the store holds.
"""

from __future__ import annotations

import json
from typing import Any

from rerating.functions.registry import specs

NAMESPACE = "RR"


def office_name(name: str) -> str:
    """``RR_PRICE`` -> ``PRICE`` (Excel shows ``RR.PRICE``)."""
    return name.removeprefix("RR_")


def metadata() -> dict[str, Any]:
    """The custom functions metadata (``functions.json``), in the format Microsoft's
    ``custom-functions-metadata`` generates from JSDoc."""
    out = []
    for s in specs().values():
        out.append({
            "id": office_name(s.name),
            "name": office_name(s.name),
            "description": s.summary[:255],
            "result": {"type": "any", "dimensionality": "matrix"},
            "parameters": [{"name": a, "description": h[:255], "type": "any",
                            "dimensionality": "matrix", "optional": a in s.defaults}
                           for a, h in s.args.items()],
        })
    return {"allowCustomDataForDataTypeAny": False, "allowErrorForDataTypeAny": True,
            "functions": out}


_SCRIPT = r"""// Rerating Desk: the RR_ functions in Excel, through `rerating serve` on this machine.
// Generated from the function registry (rerating.functions.office_addin); do not edit.
// The calls of one recalculation go in one request (Office's batching pattern); the
// answers come back in order. An error answer becomes Excel's error with the same text
// the xlwings and Calc hosts put in the cell.
(function (root) {
  "use strict";
  var NAMES = __NAMES__;
  var TOKEN_KEY = "rerating-token";
  var queue = [];
  var timer = null;

  function base() { return root.RERATING_SERVER || root.location.origin; }

  function token() {
    try { return root.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  function excelError(err) {
    var CF = root.CustomFunctions, codes = {
      "#N/A": "notAvailable", "#NUM!": "invalidNumber", "#DIV/0!": "divisionByZero",
      "#REF!": "invalidReference", "#NAME?": "invalidName", "#NULL!": "nullReference"};
    var code = CF.ErrorCode[codes[err.code] || "invalidValue"];
    return new CF.Error(code, err.text.slice(0, 255));
  }

  function flush() {
    var batch = queue;
    queue = [];
    timer = null;
    var body = JSON.stringify({calls: batch.map(function (c) {
      return {"function": c.name, args: c.args};
    })});
    return root.fetch(base() + "/api/call", {
      method: "POST", body: body,
      headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token()}
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          var err = {code: "#N/A", text: answer.error || ("#N/A server answered " + response.status)};
          batch.forEach(function (c) { c.reject(excelError(err)); });
          return;
        }
        answer.results.forEach(function (r, i) {
          if (r.error) { batch[i].reject(excelError(r.error)); } else { batch[i].resolve(r.value); }
        });
      });
    }).catch(function () {
      var err = {code: "#N/A", text: "#N/A rerating serve is not running: start it with `rerating serve --https`"};
      batch.forEach(function (c) { c.reject(excelError(err)); });
    });
  }

  function call(name, args) {
    // arguments left out arrive as undefined or null: both mean "the default"
    var clean = Array.prototype.map.call(args, function (a) { return a === undefined ? null : a; });
    while (clean.length && clean[clean.length - 1] === null) { clean.pop(); }
    return new Promise(function (resolve, reject) {
      queue.push({name: name, args: clean, resolve: resolve, reject: reject});
      if (timer === null) { timer = root.setTimeout(flush, 0); }
    });
  }

  NAMES.forEach(function (name) {
    root.CustomFunctions.associate(name.replace(/^RR_/, ""), function () { return call(name, arguments); });
  });
  root.RERATING = {call: call, flush: flush, TOKEN_KEY: TOKEN_KEY};
})(typeof globalThis !== "undefined" ? globalThis : this);
"""


def script() -> str:
    """``functions.js``: registers every RR_ function and batches their calls."""
    return _SCRIPT.replace("__NAMES__", json.dumps(list(specs())))
