"""Home pages by role: what each person needs to do next."""
