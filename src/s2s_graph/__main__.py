"""Run the command-line interface: ``python -m s2s_graph``."""

from s2s_graph.cli import main

main()
