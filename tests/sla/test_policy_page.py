

def test_prose_with_an_introducing_line_and_bullets_renders_as_a_list():
    from sla.policy_page import text_blocks

    assert text_blocks("Our services include:\n- Fixes\n- Guidance\n\nMore text\nhere") == [
        ("p", "Our services include:"),
        ("ul", ["Fixes", "Guidance"]),
        ("p", "More text here"),
    ]
