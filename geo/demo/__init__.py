"""The demo atlas: areas, sites, martyr records, upkeep history and roads, generated reproducibly."""
