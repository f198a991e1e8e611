"""Helpers that every assignment may use: data loading."""
