// Rerating Desk's task pane: server status, the store's as-of, pairing, and RR_ <-> RR. formula
// conversion. Runs in Excel's shared runtime beside functions.js (which defines RERATING), and
// in a plain browser (no Office): then the conversion buttons say they need Excel.
(function (root) {
  "use strict";
  var R = root.RERATING;
  var POLL_MS = 10000;

  function $(id) { return root.document.getElementById(id); }
  function say(id, text, kind) {
    var el = $(id);
    el.textContent = text;
    el.className = kind || "";
  }
  function token() {
    try { return root.localStorage.getItem(R.TOKEN_KEY) || ""; } catch (e) { return ""; }
  }
  function get(path, withToken) {
    var headers = withToken ? {"Authorization": "Bearer " + token()} : {};
    return root.fetch(root.location.origin + path, {headers: headers});
  }

  function checkServer() {
    return get("/api/health", false).then(function (r) { return r.json(); }).then(function (h) {
      say("server", "Running: rerating " + h.version + " at " + root.location.origin, "ok");
      $("server-help").hidden = true;
      return checkStore();
    }).catch(function () {
      say("server", "Not running (or not reachable).", "bad");
      $("server-help").hidden = false;
      say("asof", "Unknown until the server is back.", "pending");
    });
  }

  function checkStore() {
    if (!token()) {
      say("paired", "Not paired: the RR cells answer #N/A until you are.", "bad");
      say("asof", "Pair first to see what the store holds.", "pending");
      return Promise.resolve(false);
    }
    return get("/api/status", true).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 401) {
          say("paired", "The stored token is not accepted (the server made a new one?): pair again.", "bad");
          say("asof", "Pair first to see what the store holds.", "pending");
          return false;
        }
        say("paired", "Paired with this server.", "ok");
        var a = body.as_of || {};
        if (a.error) { say("asof", a.error.text, "bad"); } else { say("asof", String(a.value[0][0]), "ok"); }
        var st = body.store || {};
        say("store", st.error ? st.error : (st.backend === "postgresql" ? "The desk's shared store " :
            "The local store ") + (st.where || "") + (st.generation != null ? " (generation " + st.generation + ")" : ""),
            st.error ? "bad" : "");
        return true;
      });
    });
  }

  function pair() {
    var typed = $("token").value.trim();
    if (!typed) { say("paired", "Paste the token rerating serve printed.", "bad"); return Promise.resolve(false); }
    var before = token();
    root.localStorage.setItem(R.TOKEN_KEY, typed);
    return checkStore().then(function (ok) {
      if (!ok) {
        if (before) { root.localStorage.setItem(R.TOKEN_KEY, before); } else { root.localStorage.removeItem(R.TOKEN_KEY); }
        say("paired", "That token was not accepted: copy it again from the rerating serve window.", "bad");
      } else {
        $("token").value = "";
      }
      return ok;
    });
  }

  function forget() {
    root.localStorage.removeItem(R.TOKEN_KEY);
    return checkStore();
  }

  // Every sheet's formulas (and the workbook's names) rewritten for `to`; only the cells whose
  // formula changes are written, so constants, formats and spilled results stay as they are.
  function convertWorkbook(to) {
    if (!root.Excel || !root.Excel.run) {
      say("converted", "Open this pane in Excel to convert a workbook (or run rerating addin convert).", "bad");
      return Promise.resolve(0);
    }
    return root.Excel.run(function (context) {
      var sheets = context.workbook.worksheets;
      sheets.load("items/name");
      var names = context.workbook.names;
      names.load("items/name,items/formula,items/type");
      return context.sync().then(function () {
        var used = sheets.items.map(function (s) {
          var u = s.getUsedRangeOrNullObject();
          u.load("formulas,rowIndex,columnIndex");
          return {sheet: s, used: u};
        });
        return context.sync().then(function () {
          var calls = 0, cells = 0;
          used.forEach(function (x) {
            if (x.used.isNullObject) { return; }
            x.used.formulas.forEach(function (row, r) {
              row.forEach(function (f, c) {
                if (typeof f !== "string" || f.charAt(0) !== "=") { return; }
                var out = R.convertFormula(f, to);
                if (out.calls) {
                  x.sheet.getCell(x.used.rowIndex + r, x.used.columnIndex + c).formulas = [[out.formula]];
                  calls += out.calls; cells += 1;
                }
              });
            });
          });
          names.items.forEach(function (n) {
            if (typeof n.formula !== "string") { return; }
            var out = R.convertFormula(n.formula, to);
            if (out.calls) { n.formula = out.formula; calls += out.calls; }
          });
          return context.sync().then(function () {
            say("converted", calls + " call" + (calls === 1 ? "" : "s") + " in " + cells +
                " cell" + (cells === 1 ? "" : "s") + (to === "office"
                  ? " now use this add-in's names (RR.PRICE)." : " now use the xlwings and Calc names (RR_PRICE)."),
                "ok");
            return calls;
          });
        });
      });
    }).catch(function (e) {
      say("converted", "Not converted: " + (e && e.message ? e.message : e), "bad");
      return 0;
    });
  }

  function start() {
    $("check").onclick = checkServer;
    $("pair").onclick = pair;
    $("forget").onclick = forget;
    $("to-office").onclick = function () { return convertWorkbook("office"); };
    $("to-excel").onclick = function () { return convertWorkbook("excel"); };
    checkServer();
    root.setInterval(checkServer, POLL_MS);
  }

  root.RERATING_PANE = {checkServer: checkServer, checkStore: checkStore, pair: pair, forget: forget,
                        convertWorkbook: convertWorkbook};
  if (root.Office && root.Office.onReady) {
    root.Office.onReady(start);
  } else if (root.document.readyState === "loading") {
    root.document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(window);
