class HarvestError(Exception):
    """A failure the operator reads on the job page: the message is French and says what
    went wrong and where."""
