"""What every object holding a C handle does with close(): with-blocks and
garbage collection call it, and it frees the handle once."""


class Closing:
    """Subclasses define close(), safe to call twice."""

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
