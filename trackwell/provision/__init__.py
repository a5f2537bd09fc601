"""Provision: interventions, participants, sessions, strategies and provision maps."""
