"""Pages of coverage: the planners' coverage map and its tables."""
