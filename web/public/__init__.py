"""Public pages: search, site, martyr, family search, report, tribute."""
