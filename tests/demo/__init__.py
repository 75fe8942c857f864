"""Tests of the demo atlas."""
