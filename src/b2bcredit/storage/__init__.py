"""The Store protocol and its back-ends: in memory and SQLite."""
