"""Navigation entries and record tabs of the reports area (none yet)."""
