"""Tests of the consign CLI, the dev stack and the infrastructure files."""
