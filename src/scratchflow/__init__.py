"""scratchflow: per-mouse scratching counts from videos of mice."""

__version__ = "0.1.0"
