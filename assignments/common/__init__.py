"""Helpers that every assignment may use: data loading (datasets) and the lab notebooks' tools (lab)."""
