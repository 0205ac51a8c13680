"""Underwriting policy: knock-outs, cut-offs, counter-offers and adverse-action data."""
