"""The ML glossaries that ship with qa, installed as the package `qa.glossaries`.

This folder is mapped into the package by pyproject.toml, so `qa` finds the CSVs with
importlib.resources wherever it is installed; it holds no code.
"""
