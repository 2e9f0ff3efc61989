"""Other departments' data for the household economic check: layouts, export, import."""
