"""The service layer: plain functions that never see a Flask request."""
