# make run: install the app and start it.  make test: install what the tests need and run them all.
PYTHON ?= python3

.PHONY: run test browser

run:
	$(PYTHON) -m pip install -q -r requirements.txt
	$(PYTHON) -m esm_maturity serve

# Debian's Chromium drives the browser tests; install it when missing and we can.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: browser tests will be skipped (sudo apt-get install chromium)"; fi; }

test: browser
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	$(PYTHON) -m pytest
