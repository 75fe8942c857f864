"""HTTP of the public side: pages, search, martyr records, tributes, family requests, reports, Open311."""
