"""The build-time generator of slurmlib's bindings.

Importable without the compiled module: it is what makes it.
"""
