"""Tests and scores, conversion tables, thresholds, targets, prior attainment and opt-in points."""
