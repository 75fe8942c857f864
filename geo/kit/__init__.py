"""Small helpers shared by the capabilities: CRS, geometry, pinyin, COPY, LIKE patterns, background runs, CLI."""
