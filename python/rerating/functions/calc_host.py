"""The LibreOffice Calc side: the same RR_ functions in Calc, from an extension (.oxt).

One registry, several hosts. ``registry.REGISTRY`` (names, arguments, help, groups) is where the
functions are declared; from it this module writes, at build time:

- ``rerating.idl``: one UNO interface ``org.rerating.calc.XRerating`` with one method per RR_
  function, every argument and result ``any``. ``unoidl-write`` (Debian's ``libreoffice-dev``;
  no SDK download) compiles it into ``rerating.rdb`` against LibreOffice's own type registries.
- ``rerating_calc.py``: the Python UNO component that LibreOffice's embedded Python (Debian's
  ``python3-uno``, brought by ``libreoffice-script-provider-python``) loads. It reaches this
  package's environment with ``site.addsitedir`` on the site-packages of the Python that built
  it (its .pth files bring an editable install), so that Python must be the minor version
  LibreOffice's is linked against (checked here from ``libpyuno.so``). On the first call it
  imports the registry's functions and from then on calls the very functions Excel calls.
- A Basic module, one ``Function RR_…`` per RR_ function with the same arguments, each passing
  the cells' values to the component. A start-up job (``Jobs.xcu``, event ``OnStartApp``) puts
  it in the user's Standard Basic library before any document loads.

Why Basic and not a ``com.sun.star.sheet.AddIn``: LibreOffice 7.4 maps add-in functions to
OOXML names only through its fixed table for its own Analysis add-in, so an add-in function is
read from .xlsx as ``#NAME?`` and written to .xlsx as ``ORG.RERATING.CALC.RR.RR_PRICE(…)``,
which Excel cannot read (``XCompatibilityNames`` is consulted for .xls only). A plain name
such as ``RR_PRICE(`` in an .xlsx is resolved to a Basic function instead, and saved back
unchanged; Calc calls it with the cells' values (ranges as arrays) and spills an array answer.
It calls only functions of the user's Standard library, though: one in another library (an
extension's own) is found, then looked up in the document's Basic and answers #VALUE!.
So one workbook works in both hosts. The price: Calc's function wizard does not list Basic
functions (argument help is in addin/FUNCTIONS.md and in the module's comments), and Calc
passes an empty argument (``f(a,,c)``) as 0, where Excel passes it as missing: skip an
optional argument with ``""`` in both.

``rerating addin libreoffice`` builds the .oxt and installs it with ``unopkg``: per user, or
with ``--shared`` when run as root (unopkg refuses per-user installs as root).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rerating.errors import InputError, WorkbookError

EXTENSION_ID = "org.rerating.calc"
SERVICE = "org.rerating.calc.RR"
IMPLEMENTATION = "org.rerating.calc.RR.python"
JOB = "org.rerating.calc.BasicFunctions"
#: the module of the user's Standard Basic library that holds the RR_ functions Calc calls
BASIC_MODULE = "ReratingDesk"
LO_PROGRAM = Path("/usr/lib/libreoffice/program")
#: where Debian's libreoffice-dev puts the type compiler
UNOIDL_WRITE_PATHS = (Path("/usr/lib/libreoffice/sdk/bin/unoidl-write"),)


def _version() -> str:
    from rerating import __version__

    return __version__


def functions_spec() -> list[dict[str, object]]:
    """The RR_ functions as the extension's parts need them: name, summary, argument names and
    their help."""
    from rerating.functions.registry import REGISTRY

    return [{"name": s.name, "summary": s.summary, "args": list(s.args),
             "help": list(s.args.values())} for s in REGISTRY.values()]


def idl_source(spec: list[dict[str, object]]) -> str:
    lines = ["module org { module rerating { module calc {",
             "interface XRerating : com::sun::star::uno::XInterface", "{"]
    for f in spec:
        # UNOIDL refuses names like as_of; cells see the Basic module's names, not these
        params = ", ".join(f"[in] any a{i}" for i in range(len(f["args"])))  # type: ignore[arg-type]
        lines.append(f"    any {f['name']}({params});")
    lines += ["};", "}; }; };", ""]
    return "\n".join(lines)


def site_dirs() -> list[str]:
    """The directories LibreOffice's Python must add to reach this environment: the
    site-packages of this interpreter (its .pth files bring an editable install's source)."""
    dirs = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    out: list[str] = []
    for d in dirs:
        if d and os.path.isdir(d) and d not in out:
            out.append(d)
    return out


def libreoffice_python_version(program: Path = LO_PROGRAM) -> tuple[int, int] | None:
    """The Python version LibreOffice's UNO bridge is linked against (libpyuno -> libpython3.X),
    or None when it cannot be told."""
    lib = program / "libpyuno.so"
    if not lib.exists():
        return None
    try:
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"libpython(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


def unoidl_write() -> str | None:
    for p in UNOIDL_WRITE_PATHS:
        if p.exists():
            return str(p)
    return shutil.which("unoidl-write")


def unopkg() -> str | None:
    return shutil.which("unopkg") or (str(LO_PROGRAM / "unopkg")
                                      if (LO_PROGRAM / "unopkg").exists() else None)


_COMPONENT = r'''"""Rerating Desk RR_ functions for LibreOffice Calc (generated by `rerating addin
libreoffice`; do not edit: rebuild instead). Calls the same Python functions as Excel."""
import json
import math
import os
import site
import sys
import traceback

import uno  # installs pyuno's import hook, which the com.sun.star and org imports below need
import unohelper
from com.sun.star.lang import XServiceInfo
from com.sun.star.task import XJob
from org.rerating.calc import XRerating

SITE_DIRS = @SITE_DIRS@
# The Python the add-in was built with: live tickers are fetched by it, in a process of its own
# (inside soffice.bin, LibreOffice's libcurl shadows curl_cffi's and Yahoo cannot be asked)
PYTHON = @PYTHON@
ARGS = json.loads(@ARGS@)  # function name -> its argument names, in order
BASIC = json.loads(@BASIC@)
SERVICE = "@SERVICE@"
IMPLEMENTATION = "@IMPLEMENTATION@"
JOB = "@JOB@"
MODULE = "@MODULE@"
_EPOCH_ORDINAL = 693594  # date(1899, 12, 30).toordinal(): Calc's and Excel's day 0
_udfs = None


def _functions():
    global _udfs
    if _udfs is None:
        for d in SITE_DIRS:
            if d not in sys.path:
                site.addsitedir(d)
        from rerating.data import access
        from rerating.settings import Settings
        if PYTHON and os.path.exists(PYTHON):
            access.use(access.MarketData(Settings.from_env(), fetch_python=PYTHON))
        from rerating.functions.registry import functions
        _udfs = functions()
    return _udfs


def _to_calc(v):
    """One Python value as a Calc cell value: dates as serial days, NaN and None blank."""
    import datetime as dt
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, dt.datetime):
        return (v.toordinal() - _EPOCH_ORDINAL
                + (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400.0)
    if isinstance(v, dt.date):
        return float(v.toordinal() - _EPOCH_ORDINAL)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f if math.isfinite(f) else None


def result(value):
    """A function's answer as Calc takes it: a scalar, or a tuple of row tuples (Basic sees an
    array of rows and makes the two-dimensional array Calc spills)."""
    if isinstance(value, (list, tuple)):
        rows = [r if isinstance(r, (list, tuple)) else [r] for r in value]
        width = max((len(r) for r in rows), default=0)
        return tuple(tuple(_to_calc(c) for c in r) + (None,) * (width - len(r)) for r in rows)
    v = _to_calc(value)
    return "" if v is None else v


def call(name, args):
    """Call RR_<name> with the arguments Calc gave: an omitted argument takes the function's
    own default, as in Excel."""
    kwargs = {a: v for a, v in zip(ARGS[name], args) if v is not None}
    try:
        return result(_functions()[name](**kwargs))
    except Exception as exc:  # never a traceback in a cell
        sys.stderr.write(traceback.format_exc())
        return "#ERR %s: %s" % (type(exc).__name__, " ".join(str(exc).split())[:120])


def _method(name):
    def method(self, *args):
        return call(name, args)
    method.__name__ = name
    return method


class ReratingCalc(unohelper.Base, XRerating, XServiceInfo):
    """The functions themselves; Calc reaches them through the Basic module below."""

    def __init__(self, ctx):
        self.ctx = ctx

    def getImplementationName(self):
        return IMPLEMENTATION

    def supportsService(self, name):
        return name == SERVICE

    def getSupportedServiceNames(self):
        return (SERVICE,)


for _name in ARGS:
    setattr(ReratingCalc, _name, _method(_name))


class ReratingBasic(unohelper.Base, XJob, XServiceInfo):
    """At LibreOffice's start (before any document loads) put the RR_ Basic functions in the
    user's Standard library: Calc resolves a plain name such as RR_PRICE in a loaded .xlsx only
    to a Basic function of that library, and calls it with the cells' values."""

    def __init__(self, ctx):
        self.ctx = ctx

    def getImplementationName(self):
        return JOB

    def supportsService(self, name):
        return name == JOB

    def getSupportedServiceNames(self):
        return (JOB,)

    def execute(self, args):
        try:
            libs = self.ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.script.ApplicationScriptLibraryContainer", self.ctx)
            if not libs.hasByName("Standard"):
                libs.createLibrary("Standard")
            libs.loadLibrary("Standard")
            lib = libs.getByName("Standard")
            if lib.hasByName(MODULE):
                if lib.getByName(MODULE) != BASIC:
                    lib.replaceByName(MODULE, BASIC)
            else:
                lib.insertByName(MODULE, BASIC)
            libs.storeLibraries()
        except Exception:
            sys.stderr.write(traceback.format_exc())
        return None


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(ReratingCalc, IMPLEMENTATION, (SERVICE,))
g_ImplementationHelper.addImplementation(ReratingBasic, JOB, (JOB,))
'''


_DESCRIPTION = """<?xml version="1.0" encoding="UTF-8"?>
<description xmlns="http://openoffice.org/extensions/description/2006"
 xmlns:d="http://openoffice.org/extensions/description/2006"
 xmlns:xlink="http://www.w3.org/1999/xlink">
  <identifier value="@ID@"/>
  <version value="@VERSION@"/>
  <display-name><name lang="en">Rerating Desk RR_ functions</name></display-name>
  <dependencies><d:OpenOffice.org-minimal-version value="4.0" d:name="OpenOffice.org 4.0"/></dependencies>
</description>
"""

# passive registration: unopkg reads this instead of importing the component before the
# extension's own type library is live (active registration fails on `import XRerating`)
_COMPONENTS = """<?xml version="1.0" encoding="UTF-8"?>
<components xmlns="http://openoffice.org/2010/uno-components">
  <component loader="com.sun.star.loader.Python" uri="rerating_calc.py">
    <implementation name="@IMPLEMENTATION@"><service name="@SERVICE@"/></implementation>
    <implementation name="@JOB@"><service name="@JOB@"/></implementation>
  </component>
</components>
"""

# the job that puts the Basic functions in place runs at LibreOffice's start, before documents
_JOBS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:component-data xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" oor:name="Jobs" oor:package="org.openoffice.Office">
  <node oor:name="Jobs">
    <node oor:name="ReratingDeskBasic" oor:op="replace">
      <prop oor:name="Service"><value>@JOB@</value></prop>
    </node>
  </node>
  <node oor:name="Events">
    <node oor:name="OnStartApp" oor:op="fuse">
      <node oor:name="JobList"><node oor:name="ReratingDeskBasic" oor:op="replace"/></node>
    </node>
  </node>
</oor:component-data>
"""

_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.uno-typelibrary;type=RDB"
   manifest:full-path="rerating.rdb"/>
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.uno-components"
   manifest:full-path="rerating.components"/>
  <manifest:file-entry manifest:media-type="application/vnd.sun.star.configuration-data"
   manifest:full-path="Jobs.xcu"/>
</manifest:manifest>
"""

_BASIC_HELPERS = """
Private RRDesk_service As Object

Private Function RRDesk_Call()
    If IsNull(RRDesk_service) Then
        RRDesk_service = CreateUnoService("@SERVICE@")
    End If
    RRDesk_Call = RRDesk_service
End Function

Private Function RRDesk_Arg(Optional v)
    If IsMissing(v) Then
        RRDesk_Arg = Empty
    Else
        RRDesk_Arg = v
    End If
End Function

' Calc spills a two-dimensional Basic array; UNO hands over an array of rows
Private Function RRDesk_Result(v)
    If Not IsArray(v) Then
        RRDesk_Result = v
        Exit Function
    End If
    Dim nr As Long, nc As Long, i As Long, j As Long, r
    nr = UBound(v) - LBound(v) + 1
    nc = 0
    For i = LBound(v) To UBound(v)
        r = v(i)
        If UBound(r) - LBound(r) + 1 > nc Then nc = UBound(r) - LBound(r) + 1
    Next i
    Dim out()
    ReDim out(0 To nr - 1, 0 To nc - 1)
    For i = 0 To nr - 1
        r = v(LBound(v) + i)
        For j = 0 To UBound(r) - LBound(r)
            out(i, j) = r(LBound(r) + j)
        Next j
    Next i
    RRDesk_Result = out
End Function
"""

_MISSING = ('"#N/A the Rerating Desk extension is not installed in LibreOffice: run '
            'rerating addin libreoffice"')


def basic_source(spec: list[dict[str, object]]) -> str:
    """The Basic module Calc calls: one function per RR_ function, named as in Excel, passing the
    cells' values to the Python component. Argument help sits in comments (Calc's function
    wizard lists add-in functions only)."""
    lines = ["' Rerating Desk RR_ functions for LibreOffice Calc. Generated by `rerating addin",
             "' libreoffice` from the same registry as the Excel functions; replaced at every",
             "' start of LibreOffice while the extension is installed. Reference:",
             "' addin/FUNCTIONS.md. Do not edit: changes are overwritten.",
             _BASIC_HELPERS.replace("@SERVICE@", SERVICE)]
    for f in spec:
        name, args = str(f["name"]), list(f["args"])  # type: ignore[call-overload]
        params = [f"{a}_" for a in args]
        lines.append(f"' {name}: {f['summary']}")
        lines += [f"'   {a}: {h}" for a, h in zip(args, f["help"], strict=True)]  # type: ignore[call-overload]
        lines.append(f"Function {name}({', '.join('Optional ' + p for p in params)})")
        call = ", ".join(f"RRDesk_Arg({p})" for p in params)
        lines += ["    Dim svc", "    svc = RRDesk_Call()",
                  f"    If IsNull(svc) Then\n        {name} = {_MISSING}\n        Exit Function",
                  "    End If",
                  f"    {name} = RRDesk_Result(svc.{name}({call}))", "End Function", ""]
    return "\n".join(lines)


def component_source(spec: list[dict[str, object]], dirs: list[str],
                     python: str | None = None) -> str:
    """The extension's Python component. ``python`` (default: this interpreter) fetches live
    tickers in a process of its own (see :mod:`rerating.data.fetch_worker`)."""
    return (_COMPONENT.replace("@SITE_DIRS@", repr(dirs))
            .replace("@PYTHON@", repr(python if python is not None else sys.executable))
            .replace("@ARGS@", repr(json.dumps({f["name"]: f["args"] for f in spec})))
            .replace("@BASIC@", repr(json.dumps(basic_source(spec))))
            .replace("@SERVICE@", SERVICE).replace("@IMPLEMENTATION@", IMPLEMENTATION)
            .replace("@JOB@", JOB).replace("@MODULE@", BASIC_MODULE))


def build_oxt(out: Path) -> Path:
    """Write the extension to ``out`` (a .oxt file)."""
    from rerating.atomic import atomic_write_bytes

    writer = unoidl_write()
    if writer is None:
        raise WorkbookError("unoidl-write was not found: it builds the add-in's type library "
                            "and comes with LibreOffice's development files (Debian/Ubuntu: "
                            "apt-get install libreoffice-dev)")
    lo_py = libreoffice_python_version()
    if lo_py is not None and lo_py != sys.version_info[:2]:
        raise InputError(f"LibreOffice's Python is {lo_py[0]}.{lo_py[1]} but this environment's "
                         f"is {sys.version_info[0]}.{sys.version_info[1]}: the add-in runs inside "
                         "LibreOffice and imports this environment's packages, so build it "
                         f"from a Python {lo_py[0]}.{lo_py[1]} environment")
    spec = functions_spec()
    registries = [str(p) for p in (LO_PROGRAM / "types.rdb", LO_PROGRAM / "types" / "offapi.rdb")
                  if p.exists()]
    with tempfile.TemporaryDirectory(prefix="rr-oxt-") as tmp:
        t = Path(tmp)
        (t / "rerating.idl").write_text(idl_source(spec), encoding="utf-8")
        run = subprocess.run([writer, *registries, str(t / "rerating.idl"), str(t / "rerating.rdb")],
                             capture_output=True, text=True, timeout=120)
        if run.returncode != 0:
            raise WorkbookError("unoidl-write could not build the add-in's types: "
                                + (run.stderr or run.stdout).strip().splitlines()[-1])
        rdb = (t / "rerating.rdb").read_bytes()
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/manifest.xml", _MANIFEST)
        z.writestr("description.xml", _DESCRIPTION.replace("@ID@", EXTENSION_ID)
                   .replace("@VERSION@", _version()))
        z.writestr("rerating.rdb", rdb)
        z.writestr("rerating.components", _COMPONENTS.replace("@SERVICE@", SERVICE)
                   .replace("@IMPLEMENTATION@", IMPLEMENTATION).replace("@JOB@", JOB))
        z.writestr("Jobs.xcu", _JOBS.replace("@JOB@", JOB))
        z.writestr("rerating_calc.py", component_source(spec, site_dirs()))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, buf.getvalue())
    return out


@dataclass(frozen=True)
class CalcInstall:
    command: list[str]
    shared: bool
    #: the shared install this one replaced (its owner, date and Python), for a shared install
    replaces: str | None = None


def install_command(oxt: Path, env_args: list[str] | None = None,
                    shared: bool | None = None) -> CalcInstall:
    """The unopkg call that installs ``oxt``: per user, or for all users (``--shared``) when run
    as root, which unopkg requires."""
    exe = unopkg()
    if exe is None:
        raise WorkbookError("unopkg was not found: install LibreOffice Calc with its Python "
                            "bridge (Debian/Ubuntu: apt-get install libreoffice-calc "
                            "libreoffice-script-provider-python)")
    if shared is None:
        shared = hasattr(os, "geteuid") and os.geteuid() == 0
    cmd = [exe, "add", "--force", *(["--shared"] if shared else []), str(oxt), *(env_args or [])]
    return CalcInstall(cmd, shared)


def shared_install(env_args: list[str] | None = None) -> str | None:
    """Who the add-in in LibreOffice's one shared slot (installed for all users) belongs to: its
    owner, date and the Python it runs, or None when there is none. A root install replaces
    it for every user, so the install says whose it was."""
    import datetime as dt
    import pwd

    roots = [Path(a.split("=", 1)[1].removeprefix("file://")) for a in env_args or []
             if a.startswith("-env:UNO_SHARED_PACKAGES_CACHE=")] or \
        [LO_PROGRAM.parent / "share" / "uno_packages"]
    for root in roots:
        for found in sorted(root.rglob("rerating_calc.py")) if root.exists() else []:
            text = found.read_text(errors="replace")
            m = re.search(r"^PYTHON = (.*)$", text, re.M)
            python = m.group(1).strip("'\"") if m else "an older build (Python not recorded)"
            st = found.stat()
            try:
                owner = pwd.getpwuid(st.st_uid).pw_name
            except KeyError:
                owner = f"uid {st.st_uid}"
            when = dt.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M")
            return f"installed {when} by {owner}, running {python}"
    return None


def install(oxt: Path, env_args: list[str] | None = None, shared: bool | None = None,
            timeout: float = 300) -> CalcInstall:
    plan = install_command(oxt, env_args, shared)
    if plan.shared:  # before unopkg overwrites it
        import dataclasses

        plan = dataclasses.replace(plan, replaces=shared_install(env_args))
    run = subprocess.run(plan.command, capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        tail = (run.stderr or run.stdout).strip().splitlines()
        raise WorkbookError("unopkg could not install the add-in: " + (tail[-1] if tail else
                                                                       f"exit {run.returncode}"))
    return plan
