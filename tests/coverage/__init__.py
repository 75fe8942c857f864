"""Tests of coverage, siting and travel time."""
