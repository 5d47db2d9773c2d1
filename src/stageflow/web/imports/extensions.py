"""Navigation entries and record tabs of the imports area (none yet)."""
