"""The database: engine and sessions, typed models, repositories and migrations (the only SQLAlchemy importer)."""
