"""VetMap domain layer: settings, database, models and spatial logic (never imports FastAPI)."""
