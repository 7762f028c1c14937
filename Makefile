# Two commands do everything on a fresh Debian machine: `make report` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: report test lint install data chromium qgis postgis benchmarks po po-check clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,data,cluster]"
	@# GDAL's GeoPackage validator (tests/store/test_conformance.py); --no-deps: it needs no GDAL bindings
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt gdal-utils
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## The Overview Report of the bundled Bukhara deer data, into maps/index.html
report: $(STAMP)
	$(VENV)/bin/deerhabitat report

## The whole test suite, after `lint` (installs Debian's chromium for the browser tests, QGIS for the QGIS
## client tests and PostgreSQL with PostGIS for the PostGIS store tests, when they are missing)
test: $(STAMP) lint chromium qgis postgis
	$(PY) -m pytest

## The project's conventions: ruff (lint and format) and mypy on src/, with the versions pinned in
## constraints.txt (test extra); settings in pyproject.toml
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## Debian's QGIS (python3-qgis, qgis-providers: about 1 GB and 2 minutes) for tests/qgis, which open the
## store with PyQGIS. A failed install only prints a note: those tests then skip and say why.
qgis:
	@/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || { \
	  echo "Installing Debian's QGIS (python3-qgis qgis-providers, about 1 GB, about 2 minutes)..."; \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    python3-qgis qgis-providers >/dev/null; } || \
	  echo "Note: QGIS could not be installed; the QGIS client tests (tests/qgis) will be skipped."; }

## Debian's PostgreSQL and PostGIS (postgresql, postgresql-postgis: PostGIS for Debian's default PostgreSQL,
## postgresql-15-postgis-3 on Debian 12) for the PostGIS tests, which run a throwaway cluster in a temporary
## folder (tests/postgis/pg_cluster.py; no system service is used). A failed install only prints a note: those
## tests then skip and say why.
postgis:
	@ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || { \
	  echo "Installing Debian's PostgreSQL and PostGIS (postgresql postgresql-postgis, about 20 s)..."; \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    postgresql postgresql-postgis >/dev/null; } || \
	  echo "Note: PostGIS could not be installed; the PostGIS store tests will be skipped."; }

## Translations: write every .po file of src/deerhabitat/locale from the English catalogues (new keys empty,
## changed English marked fuzzy, removed keys dropped); `make po-check` lists what is left to translate
po: $(STAMP)
	$(PY) -m deerhabitat.i18n update

po-check: $(STAMP)
	$(PY) -m deerhabitat.i18n check

## Rebuild the bundled store, its sample rasters and national reports from data/ (see data/README.md)
data: $(STAMP)
	$(PY) data/build.py
	$(PY) data/build_rasters.py
	$(PY) data/build_national_reports.py

## Speed and memory benchmarks, on demand (results in benchmarks/README.md)
benchmarks: $(STAMP) chromium
	$(PY) benchmarks/bench_join.py
	$(PY) benchmarks/bench_maps.py
	$(PY) benchmarks/bench_aoh.py
	$(PY) benchmarks/bench_corridors.py
	$(PY) benchmarks/bench_report.py

clean:
	rm -rf maps build dist .pytest_cache
