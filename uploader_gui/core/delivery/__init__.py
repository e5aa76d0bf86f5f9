"""The delivery model: label, index, pre-flight, file fingerprints and connection profiles."""
