"""What ``scratchflow summarise`` writes into its output folder, by kind."""

# Copies of the files report.html links (bundle.py); never read back as results.
BUNDLE_DIR = "report_files"

OUTPUT_NAMES = {
    "summary": "experiment_summary.csv",
    "timebins": "experiment_timebins.csv",
    "statistics": "group_statistics.csv",
    "comparisons": "group_comparisons.csv",
    "report": "report.html",
    "provenance": "summary_provenance.json",
}
