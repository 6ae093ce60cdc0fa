"""One mailbox, however its address is spelled: the per-recipient caps count mailboxes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.inbound.classify import mailbox_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("Victim+1@Example.NET", "victim@example.net"),
        ("victim+a+b@example.net", "victim@example.net"),
        ("victim@example.net", "victim@example.net"),
        ("first.last@gmail.com", "firstlast@gmail.com"),
        ("F.i.r.s.t.Last+x@googlemail.com", "firstlast@gmail.com"),
        ("first.last@example.net", "first.last@example.net"),  # dots matter elsewhere
        ("+tag@example.net", "+tag@example.net"),  # nothing before the tag: left as it is
        ("no-at-sign", "no-at-sign"),
    ],
)
def test_the_spellings_of_one_mailbox_share_a_key(address, key):
    assert mailbox_key(address) == key


_local = st.text(alphabet="abcdefghij.", min_size=1, max_size=12).filter(
    lambda s: s.strip(".")
)


@given(local=_local, tag=st.text(alphabet="abc123", min_size=1, max_size=6))
def test_a_sub_address_is_its_mailbox(local, tag):
    assert mailbox_key(f"{local}+{tag}@example.net") == mailbox_key(f"{local}@example.net")


@given(a=_local, b=_local)
def test_different_mailboxes_keep_different_keys(a, b):
    if a != b:
        assert mailbox_key(f"{a}@example.net") != mailbox_key(f"{b}@example.net")
