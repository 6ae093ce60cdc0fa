"""The scan reads clock rows positionally into ClockState: the two field lists must agree."""

from sla.clock_rows import POSITIONAL_FIELDS, STATE_FIELDS
from sla.models import SlaClock


def test_positional_fields_are_the_state_fields_in_clockstate_order():
    assert sorted(POSITIONAL_FIELDS) == sorted(STATE_FIELDS)
    assert POSITIONAL_FIELDS[0] == "status"  # after `metric`, which the readers pass first
    for name in POSITIONAL_FIELDS:
        assert SlaClock._meta.get_field(name).column == name
