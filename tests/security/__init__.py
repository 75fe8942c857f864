"""Tests of hardening across capabilities: field policy, injection, headers and CSP, limits, uploads, error wording, client addresses."""
