"""Spreadsheets in and out: readers, writers, templates, reports."""
