"""HTTP of OGC API Features and the vector tiles."""
