"""Root conftest: makes the project importable when pytest runs from a checkout."""
