"""Web screens: records."""
