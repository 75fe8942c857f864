"""HTTP of import and export."""
