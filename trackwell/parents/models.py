"""Models of the parents app."""
