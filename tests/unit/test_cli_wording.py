"""Words people read: cut values say they are cut, a one-shot task promises no retry, a failed request is plain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sfintacct_desktop.app.errors import one_shot_hint
from sfintacct_desktop.cli.common import fit


def test_a_cut_value_ends_in_an_ellipsis_and_never_reads_as_another_value() -> None:
    assert fit("http://nimbuslaboratories.co.uk/", 28) == "http://nimbuslaboratories.c…"
    assert fit("short", 28) == "short"
    assert fit("exactly", 7) == "exactly"


@given(st.text(max_size=60), st.integers(min_value=1, max_value=40))
def test_fit_keeps_the_width_and_the_start(text: str, width: int) -> None:
    out = fit(text, width)
    assert len(out) <= width
    assert out == text or (out.endswith("…") and text.startswith(out[:-1]))


def test_a_one_shot_command_is_told_to_run_again_not_that_it_retries() -> None:
    hint = one_shot_hint("Check the network connection and the address; sync retries by itself.")
    assert "by itself" not in hint and hint.startswith("Check the network connection and the address, then run")
    assert one_shot_hint("Sync retries later by itself.") == "Run the command again later."
    assert one_shot_hint("Sync retries later; if it persists, contact support.") == (
        "Run the command again later; if it persists, contact support."
    )
    assert "sync retries" not in one_shot_hint("Intacct kept answering 429 after backing off; sync retries later. X")
    assert one_shot_hint("Check the username.") == "Check the username."
    watching = "Calls free up over 24 hours. A watching sync waits, then resumes by itself; if this recurs, sync less."
    assert one_shot_hint(watching) == watching  # true of a watching sync, whoever reads it


def test_in_the_window_a_one_shot_task_is_tried_again_with_its_button() -> None:
    hint = one_shot_hint("Check the network connection and the address; sync retries by itself.", window=True)
    assert hint == "Check the network connection and the address, then try again."
    assert one_shot_hint("Sync retries later by itself.", window=True) == "Try again later."
    assert "sfintacct" not in one_shot_hint("Check it; sync retries by itself.", window=True)


def test_a_failed_request_is_named_in_plain_words_without_its_url() -> None:
    import requests

    from sfintacct_desktop.wire.transport import no_answer

    refused = requests.exceptions.ConnectionError("HTTPConnectionPool(host='x', port=1): /?token=s3cret refused")
    assert no_answer(refused).startswith("no connection: refused") and "s3cret" not in no_answer(refused)
    assert no_answer(requests.exceptions.ReadTimeout("read")).startswith("no answer in time")
    assert "(InvalidURL)" in no_answer(requests.exceptions.InvalidURL("http://x/?token=s3cret"))
