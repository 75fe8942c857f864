.PHONY: bench bench-import bench-search

# VetMap vs tipg (OGC API Features items and MVT tiles) on the Guangxi-scale demo; see bench/features_vs_tipg.py
DURATION ?= 10
bench:
	.venv/bin/python bench/features_vs_tipg.py --duration $(DURATION)

# import a 100,000-row CSV (target < 60 s) and export 100,000 features to GPKG (< 30 s), vs ogr2ogr; bench/import_export.py;
# then a 100,000-row messy register (title rows, two-row header, Chinese values, places by name) vs the clean file of
# the same rows, median of three interleaved rounds (target < 60 s); bench/import_registers.py (alone: bench-import-registers)
bench-import:
	.venv/bin/python bench/import_export.py
	.venv/bin/python bench/import_registers.py

.PHONY: bench-import-registers
bench-import-registers:
	.venv/bin/python bench/import_registers.py

# martyr name search over 2,000,000 records (p95 well under a second) vs the same SQL without trigram indexes
bench-search:
	.venv/bin/python bench/search_martyrs.py

# mixed public/crew load on the national set with a PostgreSQL restart mid-run (own cluster var/bench-load):
# req/s, p50/p95/p99, error window, no acknowledged write lost, ours vs a bare Starlette app; bench/load_faults.py
.PHONY: bench-load
LOAD_DURATION ?= 60
LOAD_CONCURRENCY ?= 16
bench-load:
	.venv/bin/python bench/load_faults.py --duration $(LOAD_DURATION) --concurrency $(LOAD_CONCURRENCY)

# time to first markers in Chromium, our overview map vs a plain Folium MarkerCluster map, 1k/17k/600k sites; bench/first_paint.py
.PHONY: bench-paint
bench-paint:
	.venv/bin/python bench/first_paint.py

# the server's memory under the hostile uploads of issue 18 (six Open311 reports of 7070x7070 PNGs at once, a 1 MB
# zip of a 1 GiB .dbf): peak RSS per phase in MiB; HOSTILE_BEFORE=<rev> runs that revision's code first; bench/hostile_uploads.py
.PHONY: bench-hostile
HOSTILE_BEFORE ?=
bench-hostile:
	.venv/bin/python bench/hostile_uploads.py $(if $(HOSTILE_BEFORE),--before $(HOSTILE_BEFORE))

# the server's RSS after start (and after the first pages), county demo and national set with its cluster pyramid
# built, vs a bare FastAPI + SQLAlchemy app; targets < 300 / < 600 MB; MEMORY_BEFORE=<rev> also serves that revision; bench/memory.py
.PHONY: bench-memory
MEMORY_BEFORE ?=
bench-memory:
	.venv/bin/python bench/memory.py $(if $(MEMORY_BEFORE),--before $(MEMORY_BEFORE))
