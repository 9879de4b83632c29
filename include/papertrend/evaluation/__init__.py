"""Measuring the warehouse's judgements against labels made by reading papers."""
