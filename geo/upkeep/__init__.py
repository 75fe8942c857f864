"""Upkeep: inspection schedules, inspections, work orders, photos, campaigns, crew tasks, report."""
