"""Models of the backup app."""
