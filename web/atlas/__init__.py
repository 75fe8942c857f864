"""Pages of the atlas: the overview map."""
