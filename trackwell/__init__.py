"""Trackwell: a tracker of pupils' learning for schools."""
