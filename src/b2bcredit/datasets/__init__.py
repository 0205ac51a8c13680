"""Loaders that map public data files onto the library's schemas."""
