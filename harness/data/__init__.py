"""Datasets: loading sources and references into :class:`~harness.data.example.Example`."""
