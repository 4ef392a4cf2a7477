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

The manifest (:func:`manifest`) asks for a shared runtime: the task pane and the functions run in
one page (``taskpane.html``), so the pairing token the task pane stores is the one the functions
send, and the functions keep running with the pane closed.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any
from xml.sax.saxutils import quoteattr

from rerating.functions.registry import specs

NAMESPACE = "RR"
#: the add-in's identity in Office: fixed, so a manifest made again (another port, a new
#: version) replaces the sideloaded add-in instead of adding a second one
ADDIN_ID = "3f0c2b1e-8d4a-4c57-9e1b-5a7d2f6c9e40"
ICON_SIZES = (16, 32, 64, 80)
#: the sizes the ribbon's button and group name (32 and 64 are the add-in's own icons)
_RIBBON_ICONS = (16, 32, 80)


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
      var err = {code: "#N/A", text: "#N/A no answer from rerating serve at " + base() +
                 ": start it with `rerating serve --https` (in a browser, also allow this site" +
                 " to reach devices on your local network)"};
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

  // A formula typed for the xlwings and Calc hosts (=RR_PRICE(A2)) rewritten for this add-in
  // (=RR.PRICE(A2)) or back; only registry functions, never inside a string literal. The same
  // rule as `rerating addin convert` (rerating.workbooks.convert.formula).
  var KNOWN = {};
  NAMES.forEach(function (n) { KNOWN[n] = true; });

  function convertFormula(text, to) {
    var pattern = to === "office" ? /(^|[^A-Za-z0-9_.])RR_([A-Z0-9_]+)(\s*\()/g
                                  : /(^|[^A-Za-z0-9_.])RR\.([A-Z0-9_]+)(\s*\()/g;
    var count = 0;
    function swap(part) {
      // the lookbehind as a captured lead character; a match can end where the next begins
      var out = part, prev;
      do {
        prev = out;
        out = out.replace(pattern, function (m, lead, name, paren) {
          if (!KNOWN["RR_" + name]) { return m; }
          count += 1;
          return lead + (to === "office" ? "RR." : "RR_") + name + paren;
        });
      } while (out !== prev);
      return out;
    }
    var pieces = [], last = 0, lit = /"(?:[^"]|"")*"/g, m;
    while ((m = lit.exec(text)) !== null) {
      pieces.push(swap(text.slice(last, m.index)), m[0]);
      last = m.index + m[0].length;
    }
    pieces.push(swap(text.slice(last)));
    return {formula: pieces.join(""), calls: count};
  }

  if (root.CustomFunctions) {  // in Excel; the task pane opened in a browser has none
    NAMES.forEach(function (name) {
      root.CustomFunctions.associate(name.replace(/^RR_/, ""), function () { return call(name, arguments); });
    });
  }
  root.RERATING = {call: call, flush: flush, convertFormula: convertFormula, NAMES: NAMES,
                   TOKEN_KEY: TOKEN_KEY};
})(typeof globalThis !== "undefined" ? globalThis : this);
"""


def script() -> str:
    """``functions.js``: registers every RR_ function and batches their calls."""
    return _SCRIPT.replace("__NAMES__", json.dumps(list(specs())))


def version() -> str:
    """The add-in's version in Office's four-part form (``0.1.0`` -> ``0.1.0.0``)."""
    from rerating import __version__

    parts = [p for p in __version__.split(".") if p.isdigit()][:4]
    return ".".join(parts + ["0"] * (4 - len(parts)))


def manifest(base: str) -> str:
    """The add-in's XML manifest, every URL under ``base`` (``https://localhost:45873``):
    a task pane add-in for Excel with custom functions in the namespace ``RR`` and a shared
    runtime (Microsoft's layout for it, as in their Excel custom functions template)."""
    base = base.rstrip("/")
    url = {
        "Taskpane.Url": f"{base}/addin/taskpane.html",
        "Functions.Script.Url": f"{base}/addin/functions.js",
        "Functions.Metadata.Url": f"{base}/addin/functions.json",
        "Help.Url": f"{base}/addin/help.html",
    }
    images = "\n".join(f"        <bt:Image id=\"Icon.{n}\" DefaultValue={quoteattr(f'{base}/addin/icon-{n}.png')}/>"
                       for n in _RIBBON_ICONS)
    urls = "\n".join(f"        <bt:Url id=\"{k}\" DefaultValue={quoteattr(v)}/>" for k, v in url.items())
    icon = "\n".join(f'                  <bt:Image size="{n}" resid="Icon.{n}"/>' for n in _RIBBON_ICONS)
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- Rerating Desk: the RR functions in Excel on Windows, Mac and the web, answered by
     `rerating serve` on this computer. Made by `rerating addin manifest`; sideload this file
     (README: "Excel on Windows, Mac and the web"). -->
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
  xmlns:ov="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="TaskPaneApp">
  <Id>{ADDIN_ID}</Id>
  <Version>{version()}</Version>
  <ProviderName>Rerating Desk</ProviderName>
  <DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="Rerating Desk"/>
  <Description DefaultValue="RR functions for Indian equities: rally rankings, valuation gaps, revision breadth and DCF multiples, from your own rerating store."/>
  <IconUrl DefaultValue={quoteattr(f"{base}/addin/icon-32.png")}/>
  <HighResolutionIconUrl DefaultValue={quoteattr(f"{base}/addin/icon-64.png")}/>
  <SupportUrl DefaultValue={quoteattr(url["Help.Url"])}/>
  <AppDomains>
    <AppDomain>{base}</AppDomain>
  </AppDomains>
  <Hosts>
    <Host Name="Workbook"/>
  </Hosts>
  <Requirements>
    <Sets DefaultMinVersion="1.1">
      <Set Name="SharedRuntime" MinVersion="1.1"/>
    </Sets>
  </Requirements>
  <DefaultSettings>
    <SourceLocation DefaultValue={quoteattr(url["Taskpane.Url"])}/>
  </DefaultSettings>
  <Permissions>ReadWriteDocument</Permissions>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0">
    <Hosts>
      <Host xsi:type="Workbook">
        <Runtimes>
          <Runtime resid="Taskpane.Url" lifetime="long"/>
        </Runtimes>
        <AllFormFactors>
          <ExtensionPoint xsi:type="CustomFunctions">
            <Script>
              <SourceLocation resid="Functions.Script.Url"/>
            </Script>
            <Page>
              <SourceLocation resid="Taskpane.Url"/>
            </Page>
            <Metadata>
              <SourceLocation resid="Functions.Metadata.Url"/>
            </Metadata>
            <Namespace resid="Functions.Namespace"/>
          </ExtensionPoint>
        </AllFormFactors>
        <DesktopFormFactor>
          <GetStarted>
            <Title resid="GetStarted.Title"/>
            <Description resid="GetStarted.Description"/>
            <LearnMoreUrl resid="Help.Url"/>
          </GetStarted>
          <FunctionFile resid="Taskpane.Url"/>
          <ExtensionPoint xsi:type="PrimaryCommandSurface">
            <OfficeTab id="TabData">
              <Group id="Rerating.Group">
                <Label resid="Group.Label"/>
                <Icon>
{icon}
                </Icon>
                <Control xsi:type="Button" id="Rerating.ShowTaskpane">
                  <Label resid="Button.Label"/>
                  <Supertip>
                    <Title resid="Button.Label"/>
                    <Description resid="Button.Tooltip"/>
                  </Supertip>
                  <Icon>
{icon}
                  </Icon>
                  <Action xsi:type="ShowTaskpane">
                    <TaskpaneId>Rerating.Taskpane</TaskpaneId>
                    <SourceLocation resid="Taskpane.Url"/>
                  </Action>
                </Control>
              </Group>
            </OfficeTab>
          </ExtensionPoint>
        </DesktopFormFactor>
      </Host>
    </Hosts>
    <Resources>
      <bt:Images>
{images}
      </bt:Images>
      <bt:Urls>
{urls}
      </bt:Urls>
      <bt:ShortStrings>
        <bt:String id="Functions.Namespace" DefaultValue="{NAMESPACE}"/>
        <bt:String id="GetStarted.Title" DefaultValue="Rerating Desk is ready"/>
        <bt:String id="Group.Label" DefaultValue="Rerating Desk"/>
        <bt:String id="Button.Label" DefaultValue="Rerating Desk"/>
      </bt:ShortStrings>
      <bt:LongStrings>
        <bt:String id="GetStarted.Description" DefaultValue="Type =RR.PRICE(&quot;TCS.NS&quot;) in a cell. Data &gt; Rerating Desk opens the pane: server status, store as-of, pairing."/>
        <bt:String id="Button.Tooltip" DefaultValue="Server status, the store's as-of date, pairing with rerating serve, and RR_ / RR. formula conversion."/>
      </bt:LongStrings>
    </Resources>
  </VersionOverrides>
</OfficeApp>
"""


def icon_png(size: int) -> bytes:
    """The add-in's icon at ``size`` pixels: three rising bars on the desk's blue, drawn here
    (no image files to keep in step). A plain RGBA PNG."""
    if size not in ICON_SIZES:
        raise ValueError(f"icon size {size}: one of {ICON_SIZES}")
    blue, white, clear = (0x1F, 0x3A, 0x5F, 255), (255, 255, 255, 255), (0, 0, 0, 0)
    pad, gap = max(1, size // 8), max(1, size // 16)
    bar = (size - 2 * pad - 2 * gap) // 3
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            corner = min(x, size - 1 - x) + min(y, size - 1 - y) < max(1, size // 10)
            px = clear if corner else blue
            for i, h in enumerate((0.35, 0.6, 0.85)):
                left = pad + i * (bar + gap)
                if left <= x < left + bar and size - pad - int(h * (size - 2 * pad)) <= y < size - pad:
                    px = white
            row += bytes(px)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
