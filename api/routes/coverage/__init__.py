"""HTTP of coverage: rates, gaps, runs, downloads, siting, roads, travel time and the coverage page."""
