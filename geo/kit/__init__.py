"""Small helpers shared by the capabilities: CRS, geometry, pinyin, COPY, background work, command line."""
