"""The command line: it only wires the stages together (qa/pipeline.py) and prints."""
