"""The add-in's metadata and manifest, generated from the registry, checked with Microsoft's own
npm tooling (installed by `make test` into addin/office/node_modules from its lock file):

- ``custom-functions-metadata`` is what Office add-in projects run to build functions.json from
  JSDoc. The test writes each registry function as the JSDoc a developer would type (matrix
  arguments, optional ones in brackets, a matrix result), runs Microsoft's generator on it, and
  requires no error and the same metadata as ours: names, ids, descriptions, argument names,
  types, dimensionality and optionality.
- ``office-addin-manifest`` reads and modifies manifests (its ``validate`` calls a Microsoft web
  service, which tests do not reach): it must read ours with the id, version, names, icons and
  source location we wrote, and modify it as it would any manifest.

Then every URL the manifest names is fetched from a real server.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from defusedxml import ElementTree

from rerating.functions import office_addin
from rerating.functions.registry import specs

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "addin" / "office"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed (Debian: apt-get install nodejs)")


def _node(script: str, *args: str) -> Any:
    if not (TOOLS / "node_modules" / "custom-functions-metadata").is_dir():
        pytest.fail("Microsoft's add-in tooling is not installed: run `make test` "
                    "(it runs `npm ci` in addin/office)")
    done = subprocess.run([NODE, "-e", script, *args], cwd=TOOLS, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def jsdoc() -> str:
    """Each registry function as a developer would declare it for custom-functions-metadata."""
    out = []
    for s in specs().values():
        name = office_addin.office_name(s.name)
        out += ["/**", f" * {s.summary[:255]}", f" * @customfunction {name}"]
        out += [f" * @param {{any[][]}} {f'[{a}]' if a in s.defaults else a} {h[:255]}"
                for a, h in s.args.items()]
        out += [" * @returns {any[][]} Spilled when the answer is a table.", " */",
                f"function {name}({', '.join(s.args)}) {{}}", ""]
    return "\n".join(out)


def _comparable(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Microsoft's generator leaves out ``optional: false`` and a result's ``type: any``
    (both the defaults); ours says them. Otherwise the two must agree field for field."""
    out = []
    for f in functions:
        f = json.loads(json.dumps(f))
        for p in f["parameters"]:
            if p.get("optional") is False:
                del p["optional"]
        f["result"].pop("type", None)
        out.append(f)
    return sorted(out, key=lambda f: f["id"])


def test_microsofts_generator_accepts_the_registry_and_makes_our_metadata(tmp_path: Path) -> None:
    source = tmp_path / "functions.js"
    source.write_text(jsdoc())
    made = _node("""
        const m = require("custom-functions-metadata");
        m.generateCustomFunctionsMetadata(process.argv[1]).then(r => console.log(JSON.stringify(
            {errors: r.errors, metadata: JSON.parse(r.metadataJson || "{}")})));
    """, str(source))
    assert made["errors"] == []
    ours = office_addin.metadata()
    assert len(made["metadata"]["functions"]) == len(specs()) == len(ours["functions"])
    assert _comparable(made["metadata"]["functions"]) == _comparable(ours["functions"])


def test_microsofts_generator_would_catch_a_bad_registry_entry(tmp_path: Path) -> None:
    """The check above can fail: a name Office cannot take and an argument missing its JSDoc
    are reported by the same generator."""
    source = tmp_path / "functions.js"
    source.write_text(jsdoc() + "/**\n * Bad.\n * @customfunction BAD-NAME\n * @param {any[][]} x\n"
                      " * @returns {any[][]} x\n */\nfunction BAD(x, y) {}\n")
    made = _node("""
        const m = require("custom-functions-metadata");
        m.generateCustomFunctionsMetadata(process.argv[1]).then(r => console.log(JSON.stringify(r.errors)));
    """, str(source))
    assert any("BAD-NAME" in e for e in made), made


def test_office_addin_manifest_reads_and_modifies_our_manifest(tmp_path: Path) -> None:
    path = tmp_path / "manifest.xml"
    base = "https://localhost:45873"
    path.write_text(office_addin.manifest(base), encoding="utf-8")
    info = _node("""
        const m = require("office-addin-manifest");
        m.OfficeAddinManifest.readManifestFile(process.argv[1]).then(i => console.log(JSON.stringify(i)));
    """, str(path))
    assert info["id"] == office_addin.ADDIN_ID
    assert info["version"] == office_addin.version() and info["version"].count(".") == 3
    assert info["officeAppType"] == "TaskPaneApp" and info["hosts"] == ["Workbook"]
    assert info["displayName"] == "Rerating Desk" and info["permissions"] == "ReadWriteDocument"
    assert info["defaultSettings"]["sourceLocation"] == f"{base}/addin/taskpane.html"
    assert info["iconUrl"] == f"{base}/addin/icon-32.png"
    assert info["appDomains"] == [base]

    changed = _node("""
        const m = require("office-addin-manifest");
        m.OfficeAddinManifest.modifyManifestFile(process.argv[1], "11111111-2222-3333-4444-555555555555",
            "Rerating Desk (test)").then(i => console.log(JSON.stringify(i)));
    """, str(path))
    assert changed["id"] == "11111111-2222-3333-4444-555555555555"
    assert changed["displayName"] == "Rerating Desk (test)"
    assert changed["defaultSettings"] == info["defaultSettings"]


NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
      "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
      "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0"}


def test_the_manifest_asks_for_custom_functions_in_a_shared_runtime() -> None:
    root = ElementTree.fromstring(office_addin.manifest("https://localhost:45873"))
    sets = [s.get("Name") for s in root.iterfind("o:Requirements/o:Sets/o:Set", NS)]
    assert sets == ["SharedRuntime"]
    host = root.find("v:VersionOverrides/v:Hosts/v:Host", NS)
    runtime = host.find("v:Runtimes/v:Runtime", NS)
    assert runtime.get("lifetime") == "long"
    point = host.find("v:AllFormFactors/v:ExtensionPoint", NS)
    assert point.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "CustomFunctions"
    resources = root.find("v:VersionOverrides/v:Resources", NS)
    defined = {e.get("id"): e.get("DefaultValue") for e in resources.iter() if e.get("id")}
    # every resid used is defined; the page and the runtime are the one task pane (shared runtime)
    used = {e.get("resid") for e in root.iter() if e.get("resid")}
    assert used <= set(defined), used - set(defined)
    assert defined[point.find("v:Page/v:SourceLocation", NS).get("resid")] == defined[runtime.get("resid")]
    assert defined[point.find("v:Namespace", NS).get("resid")] == office_addin.NAMESPACE


def test_every_url_in_the_served_manifest_answers(server) -> None:  # type: ignore[no-untyped-def]
    base, config = server
    got = requests.get(f"{base}/addin/manifest.xml", timeout=10)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(got.content)
    urls = {e.get("DefaultValue") for e in root.iter() if (e.get("DefaultValue") or "").startswith("http")}
    urls |= {e.text for e in root.iter() if (e.text or "").startswith("http")}
    own = f"http://localhost:{config.port}"
    assert all(u.startswith(own) for u in urls), urls  # this server's scheme and port
    kinds = {}
    for u in sorted(urls):
        if u == own:  # the AppDomain
            continue
        r = requests.get(u.replace(own, base), timeout=10)
        assert r.status_code == 200, (u, r.text[:200])
        kinds[u.rsplit("/", 1)[-1]] = r.headers["content-type"].split(";")[0]
    assert kinds["functions.js"] == "text/javascript"
    assert kinds["functions.json"] == "application/json"
    assert kinds["taskpane.html"] == "text/html"
    assert kinds["icon-80.png"] == "image/png"
    png = requests.get(f"{base}/addin/icon-80.png", timeout=10).content
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 80  # IHDR width
    # the task pane loads what it names
    page = requests.get(f"{base}/addin/taskpane.html", timeout=10).text
    for name in ("functions.js", "taskpane.js", "taskpane.css", "icon-32.png"):
        assert f'"{name}"' in page
        assert requests.get(f"{base}/addin/{name}", timeout=10).status_code == 200


def test_the_manifest_command_writes_the_served_manifest_and_keeps_an_existing_file(tmp_path: Path) -> None:
    from rerating.cli import main

    out = tmp_path / "rerating-addin.xml"
    assert main(["addin", "manifest", "-o", str(out), "--port", "45999"]) == 0
    assert out.read_text(encoding="utf-8") == office_addin.manifest("https://localhost:45999")
    out.write_text("mine")
    assert main(["addin", "manifest", "-o", str(out)]) != 0
    assert out.read_text() == "mine"  # never replaced without --overwrite
    assert main(["addin", "manifest", "-o", str(out), "--overwrite"]) == 0
    assert "https://localhost:45873/addin/taskpane.html" in out.read_text(encoding="utf-8")
