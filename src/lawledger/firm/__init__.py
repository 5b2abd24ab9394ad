"""The firm, its clients and their matters."""
