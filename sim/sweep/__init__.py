"""What a sweep produces: its jobs (resumable, verified), the summary, the report with its
figures and provenance, and the Hydra callbacks that check a sweep's start and end."""
