"""svtoolkit: the Serious Violence Incident Toolkit for Community Safety Partnerships."""

__version__ = "0.1.0"
