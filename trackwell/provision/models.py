"""Models of the provision app."""
