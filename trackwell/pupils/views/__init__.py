"""Management pages for pupils, classes and groups (school admins; leaders where allowed)."""
