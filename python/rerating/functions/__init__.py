"""The RR_ functions: one registry, three hosts.

- ``registry.py``: what each function is called, its arguments and help (the one declaration);
- ``library.py``: the functions themselves, ordinary Python;
- ``values.py``: Excel's values in, Excel-ready values and error text out (every host);
- ``xlwings_host.py``: Windows desktop Excel (xlwings COM UDFs);
- ``calc_host.py``: LibreOffice Calc (an extension built from the registry);
- ``reference.py``: addin/FUNCTIONS.md, from the registry.
"""
