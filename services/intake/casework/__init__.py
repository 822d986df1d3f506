"""The office's casework: filings (协商纪要备案) and coordination (协调申请) — tables, use cases, queries."""
