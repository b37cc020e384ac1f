"""``python -m sim``: the leadsim command."""

from sim.cli import main

main()
