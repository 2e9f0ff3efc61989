"""`python -m scheduler solve PROBLEM.json ...` and `python -m scheduler solomon FILE ...`."""

from scheduler.cli import main

raise SystemExit(main())
