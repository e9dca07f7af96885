"""Sources: files and trackers that data comes from (YAML, CSV, Jira, GitHub, Linear, feedback)."""
