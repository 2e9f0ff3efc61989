"""Files the city bureau circulates: report workbooks (openpyxl) and charts (matplotlib)."""
