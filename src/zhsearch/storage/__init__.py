"""The index on disk: building it, the term table, generations and locks, watching a folder."""
