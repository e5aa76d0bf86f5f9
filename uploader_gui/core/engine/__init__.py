"""The delivery session engine: file and session states, the plan, the run, the ports it drives."""
