"""The demo atlas: areas, sites, martyr records, upkeep history, generated reproducibly."""
