"""``rerating serve``: the RR_ functions over HTTP(S) on this machine, for the Office add-in.

- ``app.py``: the ASGI application (Starlette): the batch call endpoint, the function list,
  health and status, the add-in's own files; and what keeps other callers out (loopback only
  unless asked, the pairing token, the allowed origins, Chromium's Private Network Access
  preflight, the Host header, size and time limits).
- ``tls.py``: a local certificate authority and a certificate for localhost (Office loads
  add-ins over HTTPS only), and the one command per OS that trusts it.
"""
