"""The public side: martyr records, search, tributes, family requests and damage reports."""
