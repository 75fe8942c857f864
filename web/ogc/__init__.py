"""HTML views of the OGC API (f=html): view models and rendering of the /ogc documents for browsers."""
