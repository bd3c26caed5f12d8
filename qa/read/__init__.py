"""Read: files in (a bounded reader), Markdown parsed into blocks, inline parts, numbers in text."""
