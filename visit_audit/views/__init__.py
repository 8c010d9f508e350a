"""What every renderer shows, worked out once from the engine's deadlines frame.

``summary``: findings, upcoming deadlines and the compliance summary. The
terminal, the workbook, the JSON result and the CSV files are views of these,
never recomputations.
"""
