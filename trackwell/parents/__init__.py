"""Parents and carers: accounts linked to their own children and pages written for them."""
