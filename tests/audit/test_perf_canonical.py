"""canonical_event() is byte for byte the published recipe, json.dumps(..., ensure_ascii=False, separators=(",", ":")),
without calling json.dumps for the usual column types; record() and verify() both hash through it."""

import hashlib
import json
import random
from enum import IntEnum
from json import encoder

import pytest

from audit import chain, verification
from audit import services as audit

AWKWARD_STRINGS = [
    "", "plain", "幸福街道 和平社区 采购", 'say "hi"', "back\\slash", "\\u0041 is not A", '\\"', "tab\there",
    "new\nline", "cr\rlf\n", "\b\f", "".join(map(chr, range(32))), "\x7f del", "\u2028\u2029 line seps",
    "emoji 🎉👩‍👩‍👧 flags 🇨🇳", "\U0010ffff", "\ud800 lone surrogate", "\udfff", "\x00nul",
    '{"changes":{"name":["旧","新"]},"note":"a \\"quoted\\" \\\\ path"}', "é e\u0301", "\ufeffbom",
    " leading and trailing ", "2024-01-01T00:00:00.000001Z",
]
AWKWARD_INTS = [0, 1, -1, 7, 2**31, 2**63 - 1, 2**63, 10**30, -(10**20)]


def published(seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id, data):
    return json.dumps([seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id,
                       data], ensure_ascii=False, separators=(",", ":"))


def fields(seq, actor_id, strings):
    ts, roles, ip, rid, action, ttype, tid, data = strings
    return (seq, ts, actor_id, roles, ip, rid, action, ttype, tid, data)


def test_the_c_string_encoder_is_used():
    if encoder.c_encode_basestring is None:
        pytest.skip("this Python has no C json accelerator")
    assert chain._json_string is encoder.c_encode_basestring


@pytest.mark.parametrize("text", AWKWARD_STRINGS)
def test_each_awkward_string_in_each_position(text):
    base = ["2024-01-01T00:00:00.000000Z", "officer", "127.0.0.1", "abc123", "user.updated", "users", "7", "{}"]
    for position in range(len(base)):
        strings = list(base)
        strings[position] = text
        for actor_id in (None, 3):
            event = fields(12, actor_id, strings)
            assert chain.canonical_event(*event) == published(*event)


@pytest.mark.parametrize("number", AWKWARD_INTS)
def test_awkward_sequence_numbers_and_actors(number):
    strings = ["t", "r", "ip", "rid", "a", "tt", "ti", "{}"]
    for event in (fields(number, None, strings), fields(1, number, strings), fields(number, number, strings)):
        assert chain.canonical_event(*event) == published(*event)


class Level(IntEnum):
    ONE = 1


@pytest.mark.parametrize("odd", [True, False, 1.5, Level.ONE, None, ["x"], {"k": "v"}, 3, "7"])
def test_values_of_other_types_are_rendered_as_json_renders_them(odd):
    """Only a tampered row could hold them, but the answer must still be json.dumps's."""
    strings = ["t", "r", "ip", "rid", "a", "tt", "ti", "{}"]
    assert chain.canonical_event(*fields(odd, 1, strings)) == published(*fields(odd, 1, strings))
    assert chain.canonical_event(*fields(1, odd, strings)) == published(*fields(1, odd, strings))
    for position in range(len(strings)):
        mixed = list(strings)
        mixed[position] = odd
        assert chain.canonical_event(*fields(1, None, mixed)) == published(*fields(1, None, mixed))


def test_random_strings_match_json_dumps():
    rng = random.Random(20240101)
    alphabet = [chr(c) for c in range(0, 0x80)] + list("中文街道社区“”‘’…—\u2028\u2029\ufeff") + ["🎉", "\U0001f600"]
    for _ in range(2000):
        strings = ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(8)]
        event = fields(rng.randint(1, 10**12), rng.choice([None, rng.randint(1, 10**6)]), strings)
        assert chain.canonical_event(*event) == published(*event)


def test_event_hash_is_sha256_of_prev_hash_and_the_published_payload():
    event = fields(42, None, ["2024-05-06T07:08:09.123456Z", "", "", "", "auth.login_failed", "", "",
                              '{"known_user":false,"note":"引号\\"和\\\\反斜杠"}'])
    prev = "ab" * 32
    expected = hashlib.sha256((prev + published(*event)).encode()).hexdigest()
    assert chain.event_hash(prev, *event) == expected


def test_recorded_awkward_events_verify(session):
    storable = [t for t in AWKWARD_STRINGS if "\x00" not in t and not any(0xD800 <= ord(c) <= 0xDFFF for c in t)]
    for i, text in enumerate(storable):  # (PostgreSQL refuses NUL in text; a lone surrogate has no UTF-8 form)
        audit.record(f"test.awkward{i}", ("thing", text[:60]), data={"text": text, "名称": text})
    result = verification.verify()
    assert result.ok and result.checked == result.head.seq >= len(storable)
