"""Portfolio reports with plots."""
