"""The Relationships Hub: a static site generator, one module per pipeline stage.

load -> validate -> link -> render -> index -> write
"""
