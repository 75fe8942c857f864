"""The atlas: areas, the collections of sites and their fields, graves, spatial questions, map data."""
