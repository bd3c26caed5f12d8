"""Embed: the encoders behind drift, the embedding cache, and the windows long blocks are embedded in."""
