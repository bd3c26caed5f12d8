"""Score: drift per aligned pair (calibrated), text signals (length, English kept), reference scores."""
