"""HTTP of upkeep: inspections, work orders, photos, schedules, campaigns, crew pages, report."""
