"""Where imported time data comes from: CSV files (and, later, Toggl Track and Harvest)."""
