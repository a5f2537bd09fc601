"""Models of the scores app."""
