"""Tests of OGC API Features, CQL2 and tiles."""
