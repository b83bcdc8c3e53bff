"""The scale test: app replicas on one PostgreSQL behind HAProxy (deploy/haproxy.cfg), all on 127.0.0.1.

Slow and opt-in: skipped unless ESM_SCALE=1 (CI sets it); then PostgreSQL, HAProxy and Chromium are
required, and a missing one fails. Run it with `ESM_SCALE=1 python -m pytest -q tests/scale -s`.
"""
