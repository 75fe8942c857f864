"""Pages of upkeep: the upkeep map and the crews' phone pages."""
