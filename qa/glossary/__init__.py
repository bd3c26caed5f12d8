"""The glossary: its CSV schema and loading, matching, lint, edits, suggestions, and where its files are found."""
