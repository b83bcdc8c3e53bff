# make run: install the app and start it.  make test: install what the tests need and run them all.
PYTHON ?= python3
# Debian's packages the tests need: Chromium for the browser tests, PostgreSQL's server for the
# suite's second run and the replicas, HAProxy for the scale test.
DEBIAN_PACKAGES = chromium postgresql haproxy

.PHONY: run test system

run:
	$(PYTHON) -m pip install -q -r requirements.txt
	$(PYTHON) -m esm_maturity serve

# Install what is missing when we can (root with apt-get); otherwise the tests that need it skip,
# unless ESM_REQUIRE_BROWSER / ESM_REQUIRE_POSTGRES make that a failure (CI sets both).
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing:$$missing: the tests that need them will be skipped (sudo apt-get install$$missing)"; fi; \
	fi

# The whole suite on the embedded DuckDB (browser journeys and PostgreSQL's own tests included), then
# the unit and AppTest tiers again with every test database on a throw-away PostgreSQL cluster, then
# the replicas' scale test on its own (it measures throughput: nothing else may share the cores;
# opt-in with ESM_SCALE=1, which CI sets).
test: system
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	$(PYTHON) -m pytest --ignore=tests/scale
	ESM_TEST_ENGINE=postgresql $(PYTHON) -m pytest tests/unit tests/app
	$(PYTHON) -m pytest -n 0 tests/scale
