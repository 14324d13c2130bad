"""Request handlers, one module per PractiTest resource; ``routes.py`` lists them all."""
