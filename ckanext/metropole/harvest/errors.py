class HarvestError(Exception):
    """A failure the operator reads on the job page: the message is French and says what
    went wrong and where. ``status``: the HTTP status that caused it, if any."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status
