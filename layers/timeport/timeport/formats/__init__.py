"""How data is written out: spreadsheet-safe CSV, the GDPR JSON and ZIP layouts."""
