"""The suite: real PostGIS and real headless Chromium; one folder per capability, helpers at the root."""
