"""Navigation entries and record tabs of the intake area (none yet)."""
