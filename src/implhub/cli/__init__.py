"""The command-line door: thin Typer commands over the application functions."""
