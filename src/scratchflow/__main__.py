"""`python -m scratchflow` runs the command-line interface."""

from scratchflow.cli import main

main()
