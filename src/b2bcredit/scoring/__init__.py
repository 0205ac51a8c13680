"""Features, binning, scorecard fitting and scoring (single and batch), reason codes,
calibration, monitoring and model files."""
