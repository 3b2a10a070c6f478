"""A log filter that masks anything shaped like a mainland mobile or ID number."""

import logging
import re

# An ID number: a region code (not starting with 0), a birth date from 18xx-20xx, sequence and
# check digit. The date shape keeps 18-digit fractions ("succeeded in 0.003620…s") readable.
_ID = re.compile(r"(?<![\d.])([1-9]\d{5})(?:18|19|20)\d{2}[01]\d[0-3]\d(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)((?:\+?86|0086)?1[3-9]\d)\d{4}(\d{4})(?!\d)")  # also +86…, as E.164


def mask_text(text: str) -> str:
    return _PHONE.sub(r"\1****\2", _ID.sub(r"\1********\2", text))


class MaskPIIFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
