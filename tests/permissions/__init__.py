"""The permission matrix: every URL pattern, every role, GET and POST, another school's ids."""
