.PHONY: bench

# VetMap vs tipg (OGC API Features items and MVT tiles) on the Guangxi-scale demo; see bench/features_vs_tipg.py
DURATION ?= 10
bench:
	.venv/bin/python bench/features_vs_tipg.py --duration $(DURATION)
