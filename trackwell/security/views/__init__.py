"""Pages of the security app: sign-in, two-step sign-in, sign-in help, settings, subject access."""
