"""What ``scratchflow summarise`` writes into its output folder, by kind."""

OUTPUT_NAMES = {
    "summary": "experiment_summary.csv",
    "timebins": "experiment_timebins.csv",
    "statistics": "group_statistics.csv",
    "report": "report.html",
    "provenance": "summary_provenance.json",
}
