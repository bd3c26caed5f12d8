"""Report formats: each module turns a Report into text, and recomputes nothing."""
