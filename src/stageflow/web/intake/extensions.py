"""The intake area has no navigation entry of its own: administrators reach it from the
Settings page ("Lead forms and intake sources")."""
