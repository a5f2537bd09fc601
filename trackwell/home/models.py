"""Models of the home app."""
