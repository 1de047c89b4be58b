"""Project tooling (engine setup, offline environment, test harness); not shipped in the wheel."""
