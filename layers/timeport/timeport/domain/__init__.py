"""The business rules: users and tokens, the catalogue of clients/projects/tasks, time entries."""
