"""OGC API Features (items, CQL2) and vector tiles over the collections."""
