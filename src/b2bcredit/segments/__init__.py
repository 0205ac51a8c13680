"""Firmographic segments, RFM, demand clusters, CLV and customer tiers."""
