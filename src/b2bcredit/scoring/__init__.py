"""Scorecards: binning, fitting, single and batch scoring, reason codes, calibration,
monitoring and model files."""
