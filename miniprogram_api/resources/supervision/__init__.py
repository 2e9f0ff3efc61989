"""Supervision (督导): compliance, weekly supervision, monthly bulletin, township profiles."""
