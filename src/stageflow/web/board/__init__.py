"""Web screens: board."""
