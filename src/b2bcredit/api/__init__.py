"""Pydantic request and response models at the facade."""
