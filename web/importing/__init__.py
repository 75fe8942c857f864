"""Page parts of the staff imports and exports pages: reports in the page's language, the export grid."""
