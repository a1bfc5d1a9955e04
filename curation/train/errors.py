"""The one error `curation train` reports as `error: ...`: training data that cannot be used, named."""

from curation.errors import CurationError


class DataError(CurationError, ValueError):
    """Training data that cannot be read or used; the message names the file, dataset or label."""
