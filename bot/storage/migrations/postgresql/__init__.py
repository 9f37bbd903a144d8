"""PostgreSQL twins of the numbered SQLite migrations one folder up (same numbers, same meaning)."""
