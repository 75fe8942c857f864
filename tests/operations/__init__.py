"""Tests of operations: metrics, request logs, deployment files."""
