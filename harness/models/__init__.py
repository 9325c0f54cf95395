"""Models: summarisers and translators behind one interface, one backend per module."""
