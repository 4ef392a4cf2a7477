"""Where the RR_ functions were before they moved to ``rerating.functions``: xlwings configs
and starter workbooks written by earlier versions name this module (``UDF Modules`` =
``rerating.udfs``), and an installed Calc extension imports it; both keep working."""

from rerating.functions.xlwings_host import *  # noqa: F403
