"""The home fire-safety self-check: questions, the advice each answer gives, and which answers
reveal a hazard worth reporting to the street. Plain data, so the form, the advice page and the
hazard report all read the same list."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    # The answer that is a problem ("yes" or "no"), the advice for it, and whether it is a hazard
    # for the street to follow up (a shared-space problem) rather than a household habit.
    risky_answer: str
    advice: str
    hazard: bool
    hazard_label: str = ""


QUESTIONS = [
    Question(
        "ebike_indoor",
        _("Is an e-bike or its battery charged inside the home or in the stairwell?"),
        "yes",
        _(
            "Charge e-bikes only at the outdoor charging points or charging cabinets. A battery fire "
            "indoors spreads in seconds and its smoke blocks the stairs."
        ),
        True,
        _("E-bike charged indoors or in the stairwell"),
    ),
    Question(
        "corridor_blocked",
        _("Are stairs or corridors of your building blocked by bikes, boxes or furniture?"),
        "yes",
        _("Escape routes must stay clear. Ask the property manager or community to clear them."),
        True,
        _("Stairs or corridor blocked"),
    ),
    Question(
        "flying_wire",
        _("Are there power cables pulled from windows or across the corridor to charge vehicles?"),
        "yes",
        _("Cables pulled from windows (飞线充电) overheat and start fires. Report them to the community."),
        True,
        _("Cables pulled from windows to charge vehicles"),
    ),
    Question(
        "smoke_alarm",
        _("Does your home have a working smoke alarm?"),
        "no",
        _("Fit an independent smoke alarm in the living room and bedrooms and test it every month."),
        False,
    ),
    Question(
        "extinguisher",
        _("Is there a fire extinguisher at home that everyone knows how to use?"),
        "no",
        _("Keep a 2 kg dry-powder extinguisher near the kitchen: pull the pin, aim at the base, squeeze."),
        False,
    ),
    Question(
        "gas_hose",
        _("Is the gas hose older than two years, cracked or without clamps?"),
        "yes",
        _("Replace the gas hose with a metal-braided one and check it with soapy water; never with a flame."),
        False,
    ),
    Question(
        "sockets",
        _("Are power strips daisy-chained or high-power appliances sharing one strip?"),
        "yes",
        _("Plug heaters, kettles and induction hobs into wall sockets, one appliance per socket."),
        False,
    ),
    Question(
        "escape_plan",
        _("Does your family have an escape plan with two exits and a meeting point?"),
        "no",
        _("Make one with the escape-plan tool on this site and practise it twice a year."),
        False,
    ),
]

QUESTIONS_BY_CODE = {question.code: question for question in QUESTIONS}


def hazard_labels(codes: list[str]) -> list[str]:
    return [str(QUESTIONS_BY_CODE[code].hazard_label) for code in codes if code in QUESTIONS_BY_CODE]
