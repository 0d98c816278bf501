"""``scratchflow run``: a whole experiment on one machine. ``commands`` builds every step's
command line, ``runner`` runs them with the resume ledger, ``report`` prints the final table."""
