import logging

import pytest

from portal.logging import MaskPIIFilter, mask_text

ID_NUMBER = "110102198805170622"
PHONE = "13812345678"


@pytest.fixture
def masked_logger(caplog):
    logger = logging.getLogger("portal.tests.pii")
    pii_filter = MaskPIIFilter()
    caplog.handler.addFilter(pii_filter)
    caplog.set_level(logging.INFO, logger=logger.name)
    yield logger
    caplog.handler.removeFilter(pii_filter)


def test_phone_and_id_number_in_a_log_message_are_masked(masked_logger, caplog):
    masked_logger.info("registration by %s with phone %s", ID_NUMBER, PHONE)

    (record,) = caplog.records
    assert record.getMessage() == "registration by 110102********0622 with phone 138****5678"
    assert ID_NUMBER not in caplog.text
    assert PHONE not in caplog.text


def test_id_number_ending_in_x_is_masked(masked_logger, caplog):
    masked_logger.warning("duplicate 11010519491231002x")

    assert caplog.records[0].getMessage() == "duplicate 110105********002x"


def test_numbers_inside_longer_digit_runs_are_left_alone(masked_logger, caplog):
    masked_logger.info("order 1381234567890 and id 1101021988051706221")

    assert caplog.records[0].getMessage() == "order 1381234567890 and id 1101021988051706221"


def test_message_without_personal_data_keeps_its_arguments(masked_logger, caplog):
    masked_logger.info("job %s left in the outbox", 42)

    (record,) = caplog.records
    assert record.args == (42,)
    assert record.getMessage() == "job 42 left in the outbox"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("来电 +8613812345678", "来电 +86138****5678"),
        ("phone=008613812345678", "phone=0086138****5678"),
        ("8613812345678", "86138****5678"),
        ("13812345678/13987654321", "138****5678/139****4321"),
    ],
)
def test_phones_written_with_a_country_code_are_masked_too(text, masked):
    assert mask_text(text) == masked


def test_the_configured_console_handler_carries_the_filter():
    handlers = [
        handler for handler in logging.getLogger().handlers if isinstance(handler, logging.StreamHandler)
    ]

    assert any(isinstance(f, MaskPIIFilter) for handler in handlers for f in handler.filters)


def test_long_fractions_are_not_taken_for_id_numbers(masked_logger, caplog):
    """Celery logs task durations with 18 fraction digits; they must stay readable."""
    masked_logger.info("succeeded in 0.003620010138787712s")

    assert caplog.records[0].getMessage() == "succeeded in 0.003620010138787712s"
