"""Pages of the scores app, split by feature."""
