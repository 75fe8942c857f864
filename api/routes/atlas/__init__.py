"""HTTP of the atlas: sites, areas, spatial questions, clusters and the overview map page."""
