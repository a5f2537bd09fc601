"""Views of the provision app, split by feature."""
