"""NeuroCheck: focused neurological check after an IM injection or a lumbar medial branch block."""

__version__ = "0.1.0"
