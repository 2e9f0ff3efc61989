"""The household economic check of an application at the verification stage."""
