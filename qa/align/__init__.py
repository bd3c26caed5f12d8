"""Align: English and Chinese blocks paired (1-1, 1-2, 2-1, 1-0, 0-1)."""
