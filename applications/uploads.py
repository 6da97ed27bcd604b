"""Limits on what the application form may upload, applied while Django reads
the request rather than after it has stored the whole of it."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from applications.models import LETTER_MAX_BYTES

# The letter and room for the form's other fields and the multipart framing
# (the message's 2,000 characters are at most 8 KB).
REQUEST_MAX_BYTES = LETTER_MAX_BYTES + 64 * 1024


def request_too_large(request) -> bool:
    """Whether the request says it is larger than the form could need; decided
    from its Content-Length, before a byte of its body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django then reads no body at all.
    return length > REQUEST_MAX_BYTES


class UploadLimit(FileUploadHandler):
    """Lets through at most ``limit`` bytes of uploaded files in all; past it,
    the file is dropped, nothing more of it is kept, and ``exceeded`` is set
    for the view to refuse the request (the file is missing from FILES).

    Put first in ``request.upload_handlers``, before the body is read.
    """

    def __init__(self, request=None, *, limit: int = LETTER_MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # The handlers after this one make the file.
