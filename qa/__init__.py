"""qa: bilingual translation QA for machine-translated Chinese ML writing."""

__version__ = "0.1.0"
