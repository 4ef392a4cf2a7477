"""The RR_ functions: one registry, three hosts.

- ``registry.py``: what each function is called, its arguments and help (the one registry,
  read by every host); ``declare.py``: the ``udf`` decorator the library declares them with;
- ``library.py``: the functions themselves, ordinary Python;
- ``values.py``: Excel's values in, Excel-ready values and error text out (every host);
- ``xlwings_host.py``: Windows desktop Excel (xlwings COM UDFs);
- ``calc_host.py``: LibreOffice Calc (an extension built from the registry);
- ``web_host.py``: JSON in and out for ``rerating serve`` (the Office add-in's backend), and
  ``office_addin.py``: the add-in's functions metadata and script, from the registry;
- ``reference.py``: addin/FUNCTIONS.md, from the registry.
"""
