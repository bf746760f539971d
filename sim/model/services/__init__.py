"""One module per service; each knows only its own logic. Routing between them is in pathways."""
